import { randomUUID } from 'node:crypto';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, test } from '@jest/globals';
import { createTestDatabase } from '@triggers/testing';
import { spawnWorker } from '../../../apps/worker/test/helpers/process.js';
import { TriggersClient, TriggersError, type WebhookDelivery, webhookHandler } from '../src/index.js';
import { type ApiProcess, spawnApi } from './helpers/api-process.js';

let databaseUrl: string;
let api: ApiProcess;
const servers: http.Server[] = [];

beforeAll(async () => {
  databaseUrl = await createTestDatabase();
  api = await spawnApi(databaseUrl);
});

afterAll(async () => {
  for (const server of servers) {
    server.closeAllConnections();
    await new Promise((resolve) => server.close(resolve));
  }
  await api.stop();
});

async function organization() {
  const key = await new TriggersClient({ baseUrl: api.url }).keys.generate({
    organization_name: `V2 ${randomUUID()}`,
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

const target = (n: number | string) => `http://127.0.0.1:9/hooks/${n}`;

describe('subscriptions', () => {
  test('create (both forms), get, update, pause, resume, secret, rotate and delete', async () => {
    const client = await organization();
    const created = await client.subscriptions.create({
      target_url: target(1),
      event_types: ['order.*', 'invoice.paid'],
      description: 'orders',
    });
    expect(created).toMatchObject({
      target_url: target(1),
      event_types: ['order.*', 'invoice.paid'],
      description: 'orders',
      status: 'active',
      secret: expect.stringMatching(/^whsec_/),
    });
    const zapier = await client.subscriptions.create({ target_url: target(2), event: 'order.created' });
    expect(zapier.event_types).toEqual(['order.created']);

    const fetched = await client.subscriptions.get(created.id);
    expect(fetched).toMatchObject({ id: created.id, status: 'active', disabled_reason: null, disabled_at: null });
    expect(fetched).not.toHaveProperty('secret');
    expect(await client.subscriptions.secret(created.id)).toEqual({ secret: created.secret });

    expect(
      (await client.subscriptions.update(created.id, { description: 'all orders', event_types: ['order.*'] })).event_types,
    ).toEqual(['order.*']);
    expect((await client.subscriptions.pause(created.id)).status).toBe('paused');
    expect((await client.subscriptions.resume(created.id)).status).toBe('active');

    const rotated = await client.subscriptions.rotateSecret(created.id);
    expect(rotated.secret).not.toBe(created.secret);
    expect(rotated.previous_secret_expires_at).toEqual(expect.any(String));

    await client.subscriptions.delete(created.id);
    const gone = await failure(client.subscriptions.get(created.id));
    expect([gone.status, gone.code]).toEqual([404, 'not_found']);
  });

  test('iterate walks every page of subscriptions once, newest first', async () => {
    const client = await organization();
    const ids = [];
    for (let n = 0; n < 5; n++) ids.push((await client.subscriptions.create({ target_url: target(n), event_types: ['*'] })).id);
    const listed = await all(client.subscriptions.iterate({ limit: 2 }));
    expect(listed.map((s) => s.id)).toEqual(ids.reverse());
    expect(listed.every((s) => !('secret' in s))).toBe(true);
  });

  test('a refused URL is a 422 validation_error; an unknown id a 404 not_found', async () => {
    const client = await organization();
    const bad = await failure(client.subscriptions.create({ target_url: 'ftp://example.com', event_types: ['*'] }));
    expect([bad.status, bad.code]).toEqual([422, 'validation_error']);
    const unknown = await failure(client.subscriptions.update(randomUUID(), { status: 'paused' }));
    expect([unknown.status, unknown.code]).toEqual([404, 'not_found']);
  });

  test('the default subscription of webhookConfig is one of the subscriptions', async () => {
    const client = await organization();
    const config = await client.webhookConfig.set(target('default'));
    const [only] = await all(client.subscriptions.iterate());
    expect(only).toMatchObject({ target_url: config.webhook_url, event_types: ['*'] });
  });
});

describe('redeliver and replay', () => {
  test('redeliver to one subscription queues a delivery; with nowhere to deliver it is a 409', async () => {
    const client = await organization();
    const event = await client.events.send({ type: 'order.created', payload: {} });
    const none = await failure(client.events.redeliver(event.id));
    expect(none.status).toBe(409);
    const subscription = await client.subscriptions.create({ target_url: target(1), event_types: ['*'] });
    expect(await client.events.redeliver(event.id, { subscriptionId: subscription.id })).toEqual({
      id: event.id,
      status: 'pending',
    });
    const missing = await failure(client.events.redeliver(randomUUID()));
    expect([missing.status, missing.code]).toEqual([404, 'not_found']);
  });

  test('replay counts the events of the range and type it queued again', async () => {
    const client = await organization();
    await client.subscriptions.create({ target_url: target(1), event_types: ['*'] });
    const from = new Date(Date.now() - 60_000).toISOString();
    await client.events.sendMany([
      { type: 'order.created', payload: {} },
      { type: 'order.paid', payload: {} },
      { type: 'invoice.paid', payload: {} },
    ]);
    const to = new Date(Date.now() + 60_000).toISOString();
    expect(await client.events.replay({ from, to, type: 'order.*' })).toEqual({ replayed: 2 });
    expect(await client.events.replay({ from, to, type: 'invoice.*' })).toEqual({ replayed: 1 });
  });
});

describe("a subscription's real deliveries", () => {
  test('verify with its secret through webhookHandler', async () => {
    const received: WebhookDelivery[] = [];
    const client = await organization();
    const server = http.createServer();
    servers.push(server);
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/webhook`;
    const subscription = await client.subscriptions.create({ target_url: url, event_types: ['order.*'] });
    server.on(
      'request',
      webhookHandler({ secrets: subscription.secret }, (delivery, _req, res) => {
        received.push(delivery);
        res.writeHead(204).end();
      }),
    );
    const worker = await spawnWorker(databaseUrl);
    try {
      const event = await client.events.send({ type: 'order.created', payload: { order: 9 } });
      for (let i = 0; i < 200 && received.length === 0; i++) await new Promise((resolve) => setTimeout(resolve, 100));
      expect(received).toEqual([
        { event_id: event.id, type: 'order.created', data: { order: 9 }, created_at: event.created_at, attempt: 1 },
      ]);
    } finally {
      worker.kill('SIGKILL');
      await worker.exited;
    }
  });
});
