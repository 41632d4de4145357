import { afterAll, beforeAll, describe, expect, test } from '@jest/globals';
import type express from 'express';
import request from 'supertest';
import { blockSize, WINDOW_MS } from '../src/rate-limit/rate-limiter.js';
import { signUp, startApi, type TestApi, type TestOrg } from './helpers.js';

// The rate-limit windows run on this clock: one second into a window, so a test never waits
// for a window to start or end (nextWindow() moves on to a fresh one).
let now = Date.UTC(2031, 0, 1, 0, 0, 1);
const clock = () => now;
function nextWindow(): void {
  now = now - (now % WINDOW_MS) + WINDOW_MS + 1000;
}

let api: TestApi;
beforeAll(async () => {
  api = await startApi({ now: clock });
});
afterAll(async () => {
  await api.close();
});

const get = (org: TestOrg, path: string, app: express.Express = api.app) => request(app).get(path).set('X-API-Key', org.key);
const post = (org: TestOrg, path: string, app: express.Express = api.app) => request(app).post(path).set('X-API-Key', org.key);
const events = (n: number) => ({ events: Array.from({ length: n }, (_, i) => ({ type: 'rate.test', payload: { i } })) });

function metricValue(text: string, name: string): number {
  const match = new RegExp(`^${name} (\\d+)$`, 'm').exec(text);
  return match ? Number(match[1]) : 0;
}

async function storedEvents(org: TestOrg): Promise<number> {
  const row = await api.database.db
    .selectFrom('events')
    .select((eb) => eb.fn.countAll<number>().as('n'))
    .where('org_id', '=', org.id)
    .executeTakeFirstOrThrow();
  return Number(row.n);
}

/** Spends the whole requests budget of a free organization (100) on inbox reads. */
async function spendRequests(org: TestOrg): Promise<void> {
  for (let i = 0; i < 100; i++) await get(org, '/api/inbox').expect(200);
  await get(org, '/api/inbox').expect(429);
}

/** Spends the whole events budget of a free organization (100) on one batch; the events' ids. */
async function spendEvents(org: TestOrg): Promise<string[]> {
  const res = await post(org, '/api/events/batch').send(events(100)).expect(200);
  await post(org, '/api/events').send({ type: 'one.more', payload: {} }).expect(429);
  return res.body.results.map((r: { id: string }) => r.id);
}

describe('the requests budget', () => {
  test('a free organization gets exactly 100 requests a minute, then 429 with Retry-After', async () => {
    const free = await signUp(api.app);
    for (let i = 1; i <= 100; i++) {
      const res = await get(free, '/api/inbox');
      expect([i, res.status]).toEqual([i, 200]);
      expect(res.headers['x-ratelimit-limit']).toBe('100');
      expect(res.headers['x-ratelimit-remaining']).toBe(String(100 - i));
      expect(res.headers['x-ratelimit-reset']).toBe('59');
    }
    const before = metricValue((await request(api.app).get('/metrics')).text, 'rate_limited_requests_total');
    const limited = await post(free, '/api/ack').send({ event_ids: [] });
    expect(limited.status).toBe(429);
    expect(limited.body).toEqual({
      error: 'Rate limit exceeded',
      code: 'rate_limited',
      limit: 100,
      window: '1 minute',
      retry_after: 59,
      request_id: limited.headers['x-request-id'],
    });
    expect(limited.headers['retry-after']).toBe('59');
    expect(limited.headers['x-ratelimit-remaining']).toBe('0');
    const after = metricValue((await request(api.app).get('/metrics')).text, 'rate_limited_requests_total');
    expect(after).toBe(before + 1);
  });

  test('the next window gives the budget back', async () => {
    const free = await signUp(api.app);
    await spendRequests(free);
    nextWindow();
    const res = await get(free, '/api/inbox').expect(200);
    expect(res.headers['x-ratelimit-remaining']).toBe('99');
  });

  test("one organization's budget does not touch another's", async () => {
    const busy = await signUp(api.app);
    const quiet = await signUp(api.app);
    await spendRequests(busy);
    const res = await get(quiet, '/api/inbox').expect(200);
    expect(res.headers['x-ratelimit-remaining']).toBe('99');
  });

  test('each tier gets its own limit in the headers', async () => {
    for (const [tier, limit] of [
      ['free', 100],
      ['pro', 1000],
      ['business', 10000],
      ['enterprise', 100000],
    ] as const) {
      const o = await signUp(api.app, { tier });
      const res = await get(o, '/api/inbox').expect(200);
      expect(res.headers['x-ratelimit-limit']).toBe(String(limit));
    }
  });

  test('requests without a valid key carry no rate-limit headers', async () => {
    const res = await request(api.app).get('/api/inbox').expect(401);
    expect(res.headers['x-ratelimit-limit']).toBeUndefined();
  });
});

describe('the events budget', () => {
  test('an event counts one and a batch of N counts N against the events budget, not the requests budget', async () => {
    const free = await signUp(api.app);
    const one = await post(free, '/api/events').send({ type: 'a', payload: {} }).expect(201);
    expect(one.headers['x-ratelimit-limit']).toBe('100');
    expect(one.headers['x-ratelimit-remaining']).toBe('99');
    const batch = await post(free, '/api/events/batch').send(events(10)).expect(200);
    expect(batch.headers['x-ratelimit-remaining']).toBe('89');
    const read = await get(free, '/api/inbox').expect(200);
    expect(read.headers['x-ratelimit-remaining']).toBe('99');
    const again = await post(free, '/api/events').send({ type: 'a', payload: {} }).expect(201);
    expect(again.headers['x-ratelimit-remaining']).toBe('88');
  });

  test('a batch that does not fit in what is left is refused whole with 429, and stores nothing', async () => {
    const free = await signUp(api.app);
    const first = await post(free, '/api/events/batch').send(events(60)).expect(200);
    expect(first.headers['x-ratelimit-remaining']).toBe('40');
    const second = await post(free, '/api/events/batch').send(events(60)).expect(429);
    expect(second.body).toEqual({
      error: 'Rate limit exceeded',
      code: 'rate_limited',
      limit: 100,
      window: '1 minute',
      retry_after: 59,
      request_id: second.headers['x-request-id'],
    });
    expect(second.headers['retry-after']).toBe('59');
    expect(await storedEvents(free)).toBe(60);
    // What was left is still there for a batch that fits.
    await post(free, '/api/events/batch').send(events(40)).expect(200);
    expect(await storedEvents(free)).toBe(100);
  });

  test("a batch larger than the tier's whole budget is 422 validation_error; nothing is stored or counted", async () => {
    const free = await signUp(api.app);
    const res = await post(free, '/api/events/batch').send(events(101)).expect(422);
    expect(res.body).toEqual({
      error: 'Validation failed: events',
      code: 'validation_error',
      details: [{ field: 'events', message: "'events' holds more than the 100 events a minute of the free tier" }],
      request_id: res.headers['x-request-id'],
    });
    expect(res.headers['x-ratelimit-limit']).toBe('100');
    expect(await storedEvents(free)).toBe(0);
    await post(free, '/api/events/batch').send(events(100)).expect(200);
  });

  test("a batch body that is not JSON still reports the events budget's headers", async () => {
    const free = await signUp(api.app);
    await post(free, '/api/events').send({ type: 'a', payload: {} }).expect(201);
    const res = await post(free, '/api/events/batch').set('Content-Type', 'application/json').send('{nope').expect(400);
    expect(res.headers['x-ratelimit-limit']).toBe('100');
    expect(res.headers['x-ratelimit-remaining']).toBe('99');
  });
});

describe('the two budgets apart', () => {
  test('with the events budget spent, events get 429 while the inbox, acks, webhook config and key rotation work', async () => {
    const free = await signUp(api.app);
    const ids = await spendEvents(free);
    await post(free, '/api/events/batch').send(events(1)).expect(429);

    const inbox = await get(free, '/api/inbox?limit=5').expect(200);
    expect(inbox.headers['x-ratelimit-remaining']).toBe('99');
    await get(free, `/api/events/${ids[0]}`).expect(200);
    await post(free, `/api/ack/${ids[0]}`).expect(200);
    await post(free, '/api/ack')
      .send({ event_ids: ids.slice(1, 10) })
      .expect(200);
    await post(free, '/api/inbox/lease').send({ limit: 5 }).expect(200);
    await post(free, '/api/webhook/config').send({ webhook_url: 'https://example.com/hook' }).expect(200);
    await get(free, '/api/webhook/config').expect(200);
    await get(free, '/api/keys').expect(200);
    const rotated = await post(free, '/api/keys/rotate').expect(200);
    await get({ ...free, key: rotated.body.api_key }, '/api/inbox').expect(200);
  });

  test('with the requests budget spent, reads get 429 while events still go in', async () => {
    const free = await signUp(api.app);
    const created = await post(free, '/api/events').send({ type: 'a', payload: {} }).expect(201);
    await spendRequests(free);

    await get(free, `/api/events/${created.body.id}`).expect(429);
    await post(free, `/api/ack/${created.body.id}`).expect(429);
    await post(free, '/api/inbox/lease').send({}).expect(429);
    await get(free, '/api/webhook/config').expect(429);

    const one = await post(free, '/api/events').send({ type: 'a', payload: {} }).expect(201);
    expect(one.headers['x-ratelimit-remaining']).toBe('98');
    const batch = await post(free, '/api/events/batch').send(events(50)).expect(200);
    expect(batch.headers['x-ratelimit-remaining']).toBe('48');
    expect(await storedEvents(free)).toBe(52);
  });

  test('GET /api/keys and key rotation work with both budgets spent, and show the requests budget', async () => {
    const free = await signUp(api.app);
    await spendEvents(free);
    await spendRequests(free);

    const keys = await get(free, '/api/keys').expect(200);
    expect(keys.headers['x-ratelimit-limit']).toBe('100');
    expect(keys.headers['x-ratelimit-remaining']).toBe('0');
    const rotated = await post(free, '/api/keys/rotate').expect(200);
    expect(rotated.headers['x-ratelimit-remaining']).toBe('0');
    await get(free, '/api/keys').expect(401);
    const renewed = { ...free, key: rotated.body.api_key as string };
    await get(renewed, '/api/keys').expect(200);
    // The budgets are the organization's, whatever its key.
    await get(renewed, '/api/inbox').expect(429);
    await post(renewed, '/api/events').send({ type: 'a', payload: {} }).expect(429);
  });
});

// Each process claims blocks of 1% of the limit, at least 5 (5 for the free tier), and may
// hold up to one and a half blocks unspent, so two processes accept between 100 − 15 and 100.
describe('two API processes on one database', () => {
  let second: TestApi;
  beforeAll(async () => {
    second = await startApi({ url: api.url, now: clock });
  });
  afterAll(async () => {
    await second.close();
  });

  /** 160 requests, 16 at a time, spread over both processes; their statuses. */
  async function spread(send: (app: express.Express) => request.Test): Promise<number[]> {
    const apps = [api.app, second.app];
    const statuses: number[] = [];
    for (let round = 0; round < 10; round++) {
      const responses = await Promise.all(Array.from({ length: 16 }, (_, i) => send(apps[i % 2] as express.Express)));
      statuses.push(...responses.map((r) => r.status));
    }
    return statuses;
  }

  const lowest = 100 - 2 * Math.ceil(1.5 * blockSize(100));

  test('together accept at most the requests limit (and at least limit − 2 × 1.5 blocks)', async () => {
    const shared = await signUp(api.app);
    const statuses = await spread((app) => get(shared, '/api/inbox', app));
    const accepted = statuses.filter((s) => s === 200).length;
    expect(statuses.filter((s) => s !== 200 && s !== 429)).toEqual([]);
    expect(accepted).toBeLessThanOrEqual(100);
    expect(accepted).toBeGreaterThanOrEqual(lowest);
    await get(shared, '/api/inbox', api.app).expect(429);
    await get(shared, '/api/inbox', second.app).expect(429);
  });

  test('together accept at most the events limit (and at least limit − 2 × 1.5 blocks), storing only those', async () => {
    const shared = await signUp(api.app);
    const statuses = await spread((app) => post(shared, '/api/events', app).send({ type: 'spread', payload: {} }));
    const accepted = statuses.filter((s) => s === 201).length;
    expect(statuses.filter((s) => s !== 201 && s !== 429)).toEqual([]);
    expect(accepted).toBeLessThanOrEqual(100);
    expect(accepted).toBeGreaterThanOrEqual(lowest);
    expect(await storedEvents(shared)).toBe(accepted);
    await post(shared, '/api/events', api.app).send({ type: 'spread', payload: {} }).expect(429);
    await post(shared, '/api/events', second.app).send({ type: 'spread', payload: {} }).expect(429);
  });
});
