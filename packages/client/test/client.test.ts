import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, test } from '@jest/globals';
import { createTestDatabase } from '@triggers/testing';
import { type InboxEvent, TriggersClient, TriggersError } from '../src/index.js';
import { type ApiProcess, spawnApi } from './helpers/api-process.js';
import { startDroppingProxy, type TestServer } from './helpers/servers.js';

let api: ApiProcess;
const proxies: TestServer[] = [];

beforeAll(async () => {
  api = await spawnApi(await createTestDatabase());
});

afterAll(async () => {
  for (const p of proxies) await p.close();
  await api.stop();
});

const noWait = { sleep: async () => {}, random: () => 0 };

/** A new organization and a client holding its key. */
async function organization(tier: 'free' | 'enterprise' = 'enterprise', baseUrl = api.url) {
  const key = await new TriggersClient({ baseUrl: api.url }).keys.generate({ organization_name: `Client ${randomUUID()}`, tier });
  return { key, client: new TriggersClient({ baseUrl, apiKey: key.api_key, ...noWait }) };
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

describe('TriggersClient against a real API process', () => {
  test('keys: generate, get and rotate; after rotating the client goes on with the new key and the old one is refused', async () => {
    const { key, client } = await organization();
    expect(key).toMatchObject({
      organization_name: expect.any(String),
      tier: 'enterprise',
      api_key: expect.stringMatching(/^zap_live_/),
    });
    const org = await client.keys.get();
    expect(org).toMatchObject({ organization_id: key.organization_id, webhook_url: null });
    expect(key.api_key.startsWith(org.key_prefix)).toBe(true);
    const rotated = await client.keys.rotate();
    expect(rotated.organization_id).toBe(key.organization_id);
    expect((await client.keys.get()).key_prefix).toBe(rotated.key_prefix);
    const old = new TriggersClient({ baseUrl: api.url, apiKey: key.api_key });
    const error = await failure(old.keys.get());
    expect([error.status, error.code, error.message]).toEqual([401, 'invalid_api_key', 'Invalid API key']);
    expect(error.requestId).toMatch(/^[0-9a-f-]{36}$/);
  });

  test('events: send returns the created event, and get returns it with its attempts', async () => {
    const { client } = await organization();
    const created = await client.events.send({ type: 'order.created', payload: { order: 1 } });
    expect(created).toMatchObject({ type: 'order.created', status: 'pending', dedup_id: expect.any(String) });
    const detail = await client.events.get(created.id);
    expect(detail).toMatchObject({ id: created.id, type: 'order.created', payload: { order: 1 }, delivery_attempts: [] });
  });

  test("a caller's dedup_id used twice gives TriggersError 409 duplicate_event naming the first event", async () => {
    const { client } = await organization();
    const first = await client.events.send({ type: 'order.created', payload: {}, dedup_id: 'order-1' });
    const error = await failure(client.events.send({ type: 'order.created', payload: {}, dedup_id: 'order-1' }));
    expect([error.status, error.code, error.body?.event_id, error.body?.dedup_id]).toEqual([
      409,
      'duplicate_event',
      first.id,
      'order-1',
    ]);
    expect(error.requestId).toEqual(error.body?.request_id);
  });

  test('API errors map to status, code, message, details and request id', async () => {
    const { client } = await organization();
    const invalid = await failure(client.events.send({ type: '', payload: {} }));
    expect([invalid.status, invalid.code]).toEqual([422, 'validation_error']);
    expect(invalid.details?.map((d) => d.field)).toEqual(['type']);
    const missing = await failure(client.events.get(randomUUID()));
    expect([missing.status, missing.code, missing.message]).toEqual([404, 'not_found', 'Event not found']);
    const tooLarge = await failure(client.events.send({ type: 't', payload: { pad: 'x'.repeat(262_144) } }));
    expect([tooLarge.status, tooLarge.code]).toEqual([413, 'payload_too_large']);
    const anonymous = await failure(new TriggersClient({ baseUrl: api.url }).inbox.list());
    expect([anonymous.status, anonymous.code]).toEqual([0, 'missing_api_key']);
  });

  test('a POST /api/events whose response was lost is sent again and stores one event', async () => {
    const proxy = await startDroppingProxy(api.url, (request, index) => request.url === '/api/events' && index === 0);
    proxies.push(proxy);
    const { client } = await organization('enterprise', proxy.url);
    const created = await client.events.send({ type: 'order.created', payload: { order: 'once' } });
    // The API saw and stored the first POST; its answer never arrived; the retry found the event.
    const posts = proxy.requests.filter((r) => r.url === '/api/events');
    expect(posts).toHaveLength(2);
    expect(posts[0]?.headers['idempotency-key']).toBe(posts[1]?.headers['idempotency-key']);
    const stored = await all(client.inbox.iterate());
    expect(stored.map((e) => e.id)).toEqual([created.id]);
    expect(created).toMatchObject({ type: 'order.created', dedup_id: posts[0]?.headers['idempotency-key'] });
  });

  test('a batch whose response was lost is sent again and stores each event once, reported as created', async () => {
    const proxy = await startDroppingProxy(api.url, (request, index) => request.url === '/api/events/batch' && index === 0);
    proxies.push(proxy);
    const { client } = await organization('enterprise', proxy.url);
    const results = await client.events.sendBatch(Array.from({ length: 50 }, (_, n) => ({ type: 'bulk', payload: { n } })));
    expect(proxy.requests.filter((r) => r.url === '/api/events/batch')).toHaveLength(2);
    expect(results.map((r) => r.status)).toEqual(Array(50).fill(201));
    const stored = await all(client.inbox.iterate({ limit: 1000 }));
    expect(stored).toHaveLength(50);
    expect(new Set(results.map((r) => r.id))).toEqual(new Set(stored.map((e) => e.id)));
  });

  test('sendMany splits 2,500 events into batches of 1,000 and reports progress after each', async () => {
    const { client } = await organization();
    const progress: [number, number][] = [];
    const events = Array.from({ length: 2500 }, (_, n) => ({ type: 'bulk', payload: { n } }));
    const results = await client.events.sendMany(events, { onProgress: (sent, total) => progress.push([sent, total]) });
    expect(progress).toEqual([
      [1000, 2500],
      [2000, 2500],
      [2500, 2500],
    ]);
    expect(results.filter((r) => r.status === 201)).toHaveLength(2500);
    expect(new Set(results.map((r) => r.id)).size).toBe(2500);
  });

  test('inbox.iterate walks every page once, newest first, and stops at the last; ack and ackMany take events out of it', async () => {
    const { client } = await organization();
    await client.events.sendMany(Array.from({ length: 250 }, (_, n) => ({ type: 'page', payload: { n } })));
    const events: InboxEvent[] = await all(client.inbox.iterate({ limit: 100 }));
    expect(events.map((e) => (e.payload as { n: number }).n).sort((a, b) => a - b)).toEqual(
      Array.from({ length: 250 }, (_, n) => n),
    );
    const times = events.map((e) => e.created_at);
    expect(times).toEqual([...times].sort().reverse());
    const [first, ...rest] = events.map((e) => e.id) as [string, ...string[]];
    const acked = await client.inbox.ack(first);
    expect(acked).toMatchObject({ success: true, id: first, status: 'delivered' });
    expect(await client.inbox.ack(first)).toEqual(acked);
    const unknown = randomUUID();
    const many = await client.inbox.ackMany([...rest, unknown]);
    expect(many.acknowledged).toHaveLength(249);
    expect(many.not_found).toEqual([unknown]);
    expect(await all(client.inbox.iterate())).toEqual([]);
    expect((await client.inbox.list({ status: 'delivered', limit: 1 })).events).toHaveLength(1);
  });

  test('an inbox query out of range is a 422 validation_error', async () => {
    const { client } = await organization();
    const error = await failure(client.inbox.list({ limit: 5000 }));
    expect([error.status, error.code]).toEqual([422, 'validation_error']);
  });

  test('webhookConfig: set, get, rotate the secret, and delete', async () => {
    const { client } = await organization();
    const set = await client.webhookConfig.set('http://127.0.0.1:9/hooks');
    expect(set).toMatchObject({
      success: true,
      webhook_url: 'http://127.0.0.1:9/hooks',
      webhook_secret: expect.stringMatching(/^whsec_/),
    });
    expect(await client.webhookConfig.get()).toEqual(set);
    const rotated = await client.webhookConfig.rotateSecret();
    expect(rotated.webhook_secret).not.toBe(set.webhook_secret);
    expect((await client.webhookConfig.get()).webhook_secret).toBe(rotated.webhook_secret);
    expect(await client.webhookConfig.set(null)).toMatchObject({ webhook_url: null });
  });

  test('a rate-limited call waits for the Retry-After the API sends, then gives up with rate_limited', async () => {
    const { key } = await organization('free');
    const sleeps: number[] = [];
    const client = new TriggersClient({
      baseUrl: api.url,
      apiKey: key.api_key,
      retry: { maxRetries: 2 },
      sleep: async (ms) => {
        sleeps.push(ms);
      },
    });
    await client.events.sendBatch(Array.from({ length: 100 }, () => ({ type: 'fill', payload: {} })));
    const error = await failure(client.events.send({ type: 'over', payload: {} }));
    expect([error.status, error.code, error.body?.limit]).toEqual([429, 'rate_limited', 100]);
    expect(sleeps).toHaveLength(2);
    for (const ms of sleeps) expect(ms).toBe(Number(error.body?.retry_after) * 1000);
  });

  test('health answers without a key', async () => {
    expect(await new TriggersClient({ baseUrl: api.url }).health()).toEqual({ status: 'healthy', database: 'ok' });
  });
});
