import { afterAll, beforeAll, describe, expect, test } from '@jest/globals';
import { connect } from '@triggers/db';
import { sql } from 'kysely';
import request from 'supertest';
import { HttpError } from '../src/http/http-error.js';
import { MemoryBudget } from '../src/memory/budget.js';
import { signUp, startApi, type TestApi, type TestOrg } from './helpers.js';

/** Lets pending promise callbacks and timers of 0 ms run. */
const settle = () => new Promise((resolve) => setTimeout(resolve, 0));

describe('MemoryBudget', () => {
  test('grants reservations up to its capacity at once, and the next one when enough is given back', async () => {
    const budget = new MemoryBudget(100, 60_000);
    const first = await budget.reserve(60);
    await budget.reserve(40);
    let granted = false;
    const third = budget.reserve(50).then((release) => {
      granted = true;
      return release;
    });
    await settle();
    expect([granted, budget.reserved]).toEqual([false, 100]);
    first();
    (await third)();
    expect(granted).toBe(true);
    expect(budget.reserved).toBe(40);
  });

  test('serves its line first come, first served: a small reservation does not pass a large one ahead of it', async () => {
    const budget = new MemoryBudget(100, 60_000);
    const held = await budget.reserve(90);
    const order: string[] = [];
    const large = budget.reserve(80).then((release) => order.push('large') && release);
    const small = budget.reserve(5).then((release) => order.push('small') && release);
    await settle();
    expect(order).toEqual([]);
    held();
    await Promise.all([large, small]);
    expect(order).toEqual(['large', 'small']);
  });

  test('refuses with 503 server_busy and Retry-After 1 once a reservation has waited its longest', async () => {
    const budget = new MemoryBudget(100, 20);
    await budget.reserve(100);
    const refused = await budget.reserve(1).catch((error: unknown) => error);
    expect(refused).toBeInstanceOf(HttpError);
    expect(refused).toMatchObject({ status: 503, code: 'server_busy', headers: { 'Retry-After': '1' } });
    expect(budget.reserved).toBe(100);
  });

  test('gives a reservation back once, however often its release is called', async () => {
    const budget = new MemoryBudget(100, 60_000);
    const release = await budget.reserve(30);
    await budget.reserve(30);
    release();
    release();
    expect(budget.reserved).toBe(30);
  });

  test('takes a caller that left out of the line, and lets the ones behind it through', async () => {
    const budget = new MemoryBudget(100, 60_000);
    const held = await budget.reserve(50);
    const left = new AbortController();
    const leaving = budget.reserve(100, left.signal).catch((error: unknown) => error);
    const behind = budget.reserve(50);
    left.abort(new Error('gone'));
    expect(await leaving).toEqual(new Error('gone'));
    (await behind)();
    held();
    expect(budget.reserved).toBe(0);
  });

  test('cuts a reservation larger than the whole budget to it, so that it runs alone', async () => {
    const budget = new MemoryBudget(100, 60_000);
    const release = await budget.reserve(1_000);
    expect(budget.reserved).toBe(100);
    release();
    expect(budget.reserved).toBe(0);
  });
});

describe('the API with its heap budget taken', () => {
  const budget = new MemoryBudget(1024 * 1024, 20);
  let api: TestApi;
  let org: TestOrg;

  beforeAll(async () => {
    api = await startApi({ memoryBudget: budget });
    org = await signUp(api.app);
  });
  afterAll(async () => {
    await api.close();
  });

  test('answers a request with a body 503 server_busy with Retry-After, and takes it once the budget is free', async () => {
    const held = await budget.reserve(1024 * 1024);
    const busy = await request(api.app).post('/api/events').set('X-API-Key', org.key).send({ type: 'a', payload: {} });
    expect(busy.status).toBe(503);
    expect(busy.body).toEqual({ error: 'Server is busy, retry shortly', code: 'server_busy', request_id: expect.any(String) });
    expect(busy.headers['retry-after']).toBe('1');
    held();
    await request(api.app).post('/api/events').set('X-API-Key', org.key).send({ type: 'a', payload: {} }).expect(201);
  });

  test('answers an inbox page 503 server_busy while the budget is taken', async () => {
    const held = await budget.reserve(1024 * 1024);
    const busy = await request(api.app).get('/api/inbox').set('X-API-Key', org.key);
    held();
    expect([busy.status, busy.body.code]).toEqual([503, 'server_busy']);
  });

  test('gives back what a request reserved once it has been answered', async () => {
    await request(api.app)
      .post('/api/events')
      .set('X-API-Key', org.key)
      .send({ type: 'a', payload: { n: 1 } })
      .expect(201);
    await request(api.app).get('/api/inbox').set('X-API-Key', org.key).expect(200);
    for (let i = 0; i < 100 && budget.reserved > 0; i++) await settle();
    expect(budget.reserved).toBe(0);
  });
});

describe('a request whose handler runs on after its response', () => {
  const budget = new MemoryBudget(64 * 1024 * 1024, 1000);
  let api: TestApi;
  let org: TestOrg;

  beforeAll(async () => {
    // Signed up with the usual timeouts (argon2 takes a while on a busy machine)...
    const setup = await startApi();
    org = await signUp(setup.app);
    await setup.close();
    api = await startApi({ url: setup.url, memoryBudget: budget, env: { REQUEST_TIMEOUT_MS: '1000' } });
    // ...and the key verified once and cached, so that the request below waits only on the lock.
    let status = 0;
    for (let i = 0; i < 10 && status !== 200; i++)
      status = (await request(api.app).get('/api/keys').set('X-API-Key', org.key)).status;
    expect(status).toBe(200);
  });
  afterAll(async () => {
    await api.close();
  });

  test('keeps its body reserved after REQUEST_TIMEOUT_MS answered it, until the handler ends', async () => {
    // The events table locked: the ingest waits, and the request timeout answers 503 meanwhile.
    let unlock = () => {};
    let locked = () => {};
    const isLocked = new Promise<void>((resolve) => {
      locked = resolve;
    });
    // A session of its own: the API's sessions end a transaction idle for REQUEST_TIMEOUT_MS.
    const other = connect({ connectionString: api.url, max: 1 });
    const holder = other.db.transaction().execute(async (trx) => {
      await sql`LOCK TABLE events IN ACCESS EXCLUSIVE MODE`.execute(trx);
      locked();
      await new Promise<void>((resolve) => {
        unlock = resolve;
      });
    });
    await isLocked;
    const res = await request(api.app)
      .post('/api/events')
      .set('X-API-Key', org.key)
      .send({ type: 'a', payload: { n: 1 } });
    expect([res.status, res.body.code]).toEqual([503, 'database_unavailable']);
    expect(budget.reserved).toBeGreaterThan(0);
    unlock();
    await holder;
    await other.close();
    for (let i = 0; i < 500 && budget.reserved > 0; i++) await new Promise((resolve) => setTimeout(resolve, 10));
    expect(budget.reserved).toBe(0);
  });
});
