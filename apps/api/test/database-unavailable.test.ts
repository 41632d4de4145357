import { createServer } from 'node:net';
import { afterAll, afterEach, beforeAll, describe, expect, test } from '@jest/globals';
import { createLogger } from '@triggers/logger';
import { createBoss } from '@triggers/queue';
import { startTcpProxy, type TcpProxy, testConfig } from '@triggers/testing';
import type express from 'express';
import pg from 'pg';
import request from 'supertest';
import { connectApiDatabase } from '../src/api-database.js';
import { createApp } from '../src/app.js';
import { poolAdapter } from '../src/pool-adapter.js';
import { signUp, startApi, type TestApi, type TestOrg } from './helpers.js';

// API.md Conventions: "The database unreachable or too slow: 503 {"error":"Service temporarily
// unavailable","code":"database_unavailable"} (with Retry-After), within a bounded time; never a
// 500, never a hang."
const UNAVAILABLE = { error: 'Service temporarily unavailable', code: 'database_unavailable', request_id: expect.any(String) };

type Call = (app: express.Express, key: string, eventId: string) => request.Test;
const CALLS: [string, Call][] = [
  ['POST /api/events', (app, key) => request(app).post('/api/events').set('X-API-Key', key).send({ type: 'a', payload: {} })],
  [
    'POST /api/events/batch',
    (app, key) =>
      request(app)
        .post('/api/events/batch')
        .set('X-API-Key', key)
        .send({ events: [{ type: 'a', payload: {} }] }),
  ],
  ['GET /api/inbox', (app, key) => request(app).get('/api/inbox').set('X-API-Key', key)],
  ['GET /api/events/:id', (app, key, id) => request(app).get(`/api/events/${id}`).set('X-API-Key', key)],
];

/** Answers the request, timing it; expects the contract's 503. */
async function expectUnavailable(call: request.Test): Promise<number> {
  const started = Date.now();
  const res = await call;
  const elapsed = Date.now() - started;
  expect({ status: res.status, body: res.body, retryAfter: res.headers['retry-after'] }).toEqual({
    status: 503,
    body: UNAVAILABLE,
    retryAfter: '5',
  });
  return elapsed;
}

async function closedPort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as { port: number };
  await new Promise((resolve) => server.close(resolve));
  return port;
}

describe('with no database listening at DATABASE_URL', () => {
  let app: express.Express;
  let close: () => Promise<void>;
  let key: string;
  let eventId: string;

  beforeAll(async () => {
    // A real key and event from a working API, then an API whose database is a closed port.
    const working = await startApi();
    const org = await signUp(working.app);
    key = org.key;
    eventId = (await CALLS[0]?.[1](working.app, key, '').expect(201))?.body.id;
    await working.close();
    const config = testConfig(`postgres://postgres@127.0.0.1:${await closedPort()}/nowhere`, {
      DATABASE_CONNECT_TIMEOUT_MS: '10000',
    });
    const database = connectApiDatabase(config, 'api-test');
    // Never started: every request fails at its first query, before anything is enqueued.
    const boss = createBoss(config, { db: poolAdapter(database.pool), instanceName: 'api-test' });
    const logger = createLogger({ service: 'api-test', level: 'error', silent: true });
    app = createApp({ db: database.db, pool: database.pool, boss, config, logger, defaultMetrics: false });
    close = () => database.close();
  });
  afterAll(async () => {
    await close();
  });

  test.each(CALLS)(
    '%s answers 503 database_unavailable with Retry-After at once, not after the connect timeout',
    async (_name, call) => {
      expect(await expectUnavailable(call(app, key, eventId))).toBeLessThan(2_000);
    },
  );

  test('GET /health answers 503 unhealthy within the 2 s the contract gives it', async () => {
    const started = Date.now();
    const res = await request(app).get('/health');
    expect({ status: res.status, body: res.body }).toEqual({
      status: 503,
      body: { status: 'unhealthy', database: 'unreachable' },
    });
    expect(Date.now() - started).toBeLessThan(2_000);
  });
});

describe('when the database goes away and comes back', () => {
  let proxy: TcpProxy;
  let api: TestApi;
  let org: TestOrg;
  let eventId: string;

  beforeAll(async () => {
    const direct = await startApi();
    await direct.close();
    proxy = await startTcpProxy(direct.url);
    api = await startApi({ url: proxy.url });
    org = await signUp(api.app);
    eventId = (await CALLS[0]?.[1](api.app, org.key, '').expect(201))?.body.id;
  });
  afterEach(async () => {
    await proxy.restore();
  });
  afterAll(async () => {
    await api.close();
    await proxy.close();
  });

  test.each(CALLS)(
    '%s answers 503 database_unavailable while it is gone, and works again once it is back',
    async (_name, call) => {
      await proxy.cut();
      await expectUnavailable(call(api.app, org.key, eventId));
      await proxy.restore();
      const res = await call(api.app, org.key, eventId);
      expect(res.status).toBeLessThan(300);
    },
  );

  test('GET /health answers 503 while it is gone and 200 once it is back', async () => {
    await proxy.cut();
    await request(api.app).get('/health').expect(503, { status: 'unhealthy', database: 'unreachable' });
    await proxy.restore();
    await request(api.app).get('/health').expect(200, { status: 'healthy', database: 'ok' });
  });
});

describe('with the events table locked by another session', () => {
  let api: TestApi;
  let org: TestOrg;
  let eventId: string;
  let locker: pg.Client | undefined;

  beforeAll(async () => {
    api = await startApi({ env: { DATABASE_STATEMENT_TIMEOUT_MS: '300' } });
    org = await signUp(api.app);
    eventId = (await CALLS[0]?.[1](api.app, org.key, '').expect(201))?.body.id;
  });
  afterEach(async () => {
    await locker?.end();
    locker = undefined;
  });
  afterAll(async () => {
    await api.close();
  });

  async function lockEvents(url: string): Promise<pg.Client> {
    locker = new pg.Client({ connectionString: url });
    await locker.connect();
    await locker.query('BEGIN');
    await locker.query('LOCK TABLE events IN ACCESS EXCLUSIVE MODE');
    return locker;
  }

  test.each(CALLS)(
    '%s answers 503 database_unavailable at the statement timeout, not when the lock goes',
    async (_name, call) => {
      await lockEvents(api.url);
      // Bounded by DATABASE_STATEMENT_TIMEOUT_MS (300 ms here), far below the lock's lifetime (the test's).
      expect(await expectUnavailable(call(api.app, org.key, eventId))).toBeLessThan(api.config.requestTimeoutMs);
      await locker?.query('ROLLBACK');
      expect((await call(api.app, org.key, eventId)).status).toBeLessThan(300);
    },
  );

  test('GET /health answers 503 unhealthy within 2 s while the table is locked, 200 once it is not', async () => {
    const lock = await lockEvents(api.url);
    const started = Date.now();
    await request(api.app).get('/health').expect(503, { status: 'unhealthy', database: 'unreachable' });
    expect(Date.now() - started).toBeLessThan(2_000);
    await lock.query('ROLLBACK');
    await request(api.app).get('/health').expect(200, { status: 'healthy', database: 'ok' });
  });

  test('a request still waiting at REQUEST_TIMEOUT_MS is answered 503 then, and its late end breaks nothing', async () => {
    const slow = await startApi({ url: api.url, env: { DATABASE_STATEMENT_TIMEOUT_MS: '60000', REQUEST_TIMEOUT_MS: '400' } });
    try {
      const lock = await lockEvents(api.url);
      const elapsed = await expectUnavailable(CALLS[0]?.[1](slow.app, org.key, '') as request.Test);
      expect(elapsed).toBeGreaterThanOrEqual(400);
      expect(elapsed).toBeLessThan(slow.config.databaseStatementTimeoutMs);
      // The handler was still waiting on the lock; released, it finishes (and its answer is dropped).
      await lock.query('ROLLBACK');
      await CALLS[0]?.[1](slow.app, org.key, '').expect(201);
    } finally {
      await slow.close();
    }
  });
});
