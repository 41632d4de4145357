import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, test } from '@jest/globals';
import { createTestDatabase } from '@triggers/testing';
import { TriggersClient, TriggersError } from '../src/index.js';
import { type ApiProcess, spawnApi } from './helpers/api-process.js';

let api: ApiProcess;

beforeAll(async () => {
  api = await spawnApi(await createTestDatabase());
});

afterAll(async () => {
  await api.stop();
});

async function organization() {
  const key = await new TriggersClient({ baseUrl: api.url }).keys.generate({
    organization_name: `Leases ${randomUUID()}`,
    tier: 'enterprise',
  });
  return new TriggersClient({ baseUrl: api.url, apiKey: key.api_key, sleep: async () => {} });
}

async function failure(promise: Promise<unknown>): Promise<TriggersError> {
  try {
    await promise;
  } catch (error) {
    if (error instanceof TriggersError) return error;
    throw error;
  }
  throw new Error('the call succeeded');
}

async function all<T>(iterator: AsyncIterable<T>): Promise<T[]> {
  const items: T[] = [];
  for await (const item of iterator) items.push(item);
  return items;
}

describe('inbox type filter and leases', () => {
  test('inbox.iterate filters by a type pattern', async () => {
    const client = await organization();
    await client.events.sendMany([
      { type: 'order.created', payload: {} },
      { type: 'invoice.paid', payload: {} },
    ]);
    expect((await all(client.inbox.iterate({ type: 'order.*' }))).map((e) => e.type)).toEqual(['order.created']);
  });

  test('a lease holds its events from other leases until acknowledged; extend keeps it; an unknown lease is a 404', async () => {
    const client = await organization();
    await client.events.sendMany(Array.from({ length: 5 }, (_, n) => ({ type: 'job', payload: { n } })));
    const first = await client.inbox.lease({ limit: 3, visibility_seconds: 60 });
    expect(first.events).toHaveLength(3);
    const second = await client.inbox.lease({ limit: 10, visibility_seconds: 60 });
    expect(second.events).toHaveLength(2);
    expect(new Set([...first.events, ...second.events].map((e) => e.id)).size).toBe(5);
    const extended = await client.inbox.extendLease(first.lease_id, 120);
    expect(Date.parse(extended.expires_at)).toBeGreaterThan(Date.parse(first.expires_at));
    await client.inbox.ackMany(first.events.map((e) => e.id));
    expect((await client.inbox.lease({ limit: 10 })).events).toEqual([]);
    const unknown = await failure(client.inbox.extendLease(randomUUID(), 30));
    expect([unknown.status, unknown.code]).toEqual([404, 'not_found']);
  });

  test('lease takes a type pattern', async () => {
    const client = await organization();
    await client.events.sendMany([
      { type: 'order.created', payload: {} },
      { type: 'invoice.paid', payload: {} },
    ]);
    const lease = await client.inbox.lease({ type: 'invoice.*' });
    expect(lease.events.map((e) => e.type)).toEqual(['invoice.paid']);
  });
});
