import net from 'node:net';
import { afterAll, beforeAll, describe, expect, test } from '@jest/globals';
import { connect } from '@triggers/db';
import { createLogger, errorFields } from '@triggers/logger';
import { createBoss } from '@triggers/queue';
import { createTestDatabase, testConfig } from '@triggers/testing';
import request from 'supertest';
import { createApp } from '../src/app.js';
import { poolAdapter } from '../src/pool-adapter.js';
import { signUp, startApi, type TestApi, type TestOrg } from './helpers.js';

let api: TestApi;
let org: TestOrg;
beforeAll(async () => {
  api = await startApi();
  // Enterprise: the tests outside the rate-limit section never come near its limit.
  org = await signUp(api.app, { tier: 'enterprise' });
});
afterAll(async () => {
  await api.close();
});

/** An API app whose database is at `url`, built without touching that database. */
async function appWithDatabaseAt(url: string) {
  const config = testConfig(url);
  const database = connect({ connectionString: url, max: 2 });
  const boss = createBoss(config, { db: poolAdapter(database.pool), instanceName: 'api-test-down' });
  const logger = createLogger({ service: 'api-test', level: 'error', silent: true });
  const app = createApp({ db: database.db, pool: database.pool, boss, config, logger, defaultMetrics: false });
  return { app, database };
}

/** Checks the contract's error body: error, code, request_id equal to the X-Request-ID header, nothing leaked. */
function expectErrorBody(res: request.Response, status: number, code: string) {
  expect(res.status).toBe(status);
  expect(res.headers['content-type']).toMatch(/^application\/json/);
  expect(res.body).toMatchObject({ error: expect.any(String), code, request_id: res.headers['x-request-id'] });
  expect(res.body.error.length).toBeGreaterThan(0);
  expect(JSON.stringify(res.body)).not.toMatch(/\bat .*\.(ts|js):\d+/);
  expect(res.text).not.toMatch(/<html|<!DOCTYPE/i);
}

describe('routing', () => {
  test('an unknown route answers 404 with a JSON error', async () => {
    expectErrorBody(await request(api.app).get('/no/such/route'), 404, 'not_found');
    expectErrorBody(await request(api.app).get('/'), 404, 'not_found');
  });

  test('an unknown route under /api answers 404 to an authenticated caller', async () => {
    expectErrorBody(await request(api.app).get('/api/nothing-here').set('X-API-Key', org.key), 404, 'not_found');
  });

  test.each([
    ['DELETE', '/api/keys', 'GET, HEAD'],
    ['PUT', '/api/webhook/config', 'GET, HEAD, POST'],
    ['POST', '/api/inbox', 'GET, HEAD'],
    ['GET', '/api/ack', 'POST'],
    ['DELETE', '/api/ack/0190a4b2-0000-7000-8000-000000000000', 'POST'],
    ['POST', '/health', 'GET, HEAD'],
    ['DELETE', '/metrics', 'GET, HEAD'],
  ])('%s %s answers 405 with a JSON error and Allow: %s', async (method, path, allow) => {
    const res = await request(api.app)[method.toLowerCase() as 'get'](path).set('X-API-Key', org.key);
    expectErrorBody(res, 405, 'method_not_allowed');
    expect(res.headers.allow).toBe(allow);
  });

  test('a malformed percent-encoding in an id answers 404, not 500', async () => {
    const res = await request(api.app).post('/api/ack/%E0%A4%A').set('X-API-Key', org.key);
    expectErrorBody(res, 404, 'not_found');
  });

  test.each([
    ['GET', '/api/events/%E0%A4%A'],
    ['POST', '/api/events/%E0%A4%A/redeliver'],
    ['POST', '/api/ack/%E0%A4%A'],
  ])('%s %s (a malformed event id) answers the contract 404 body, Event not found', async (method, path) => {
    const res = await request(api.app)[method.toLowerCase() as 'get'](path).set('X-API-Key', org.key);
    expectErrorBody(res, 404, 'not_found');
    expect(res.body.error).toBe('Event not found');
  });
});

describe('request bodies', () => {
  test.each(['gzip', 'deflate', 'br'])(
    'a body that claims Content-Encoding %s but is not answers 400 invalid_json',
    async (encoding) => {
      const res = await request(api.app)
        .post('/api/events')
        .set('X-API-Key', org.key)
        .set('Content-Type', 'application/json')
        .set('Content-Encoding', encoding)
        .send('{"type":"a","payload":{}}');
      expectErrorBody(res, 400, 'invalid_json');
    },
  );

  test('a POST with no body at all answers 422 naming each missing field', async () => {
    const res = await request(api.app).post('/api/events').set('X-API-Key', org.key);
    expectErrorBody(res, 422, 'validation_error');
    expect(res.body.details.map((d: { field: string }) => d.field)).toEqual(['type', 'payload']);
  });
});

/** The real logger at `level`, its lines (as its transport would print them, levels filtered) kept in `lines`. */
function capturingLogger(level: string) {
  const logger = createLogger({ service: 'api-test', level });
  const lines: string[] = [];
  for (const transport of logger.transports) {
    transport.log = (info: Record<symbol, string>, done: () => void) => {
      lines.push(info[Symbol.for('message')] as string);
      done();
    };
  }
  return { logger, lines };
}

describe('error logs', () => {
  test('an unexpected error is logged as one JSON line with the request id, its message and stack, and answered 500 without them', async () => {
    const url = await createTestDatabase();
    const config = testConfig(url);
    const database = connect({ connectionString: url, max: 2 });
    const boss = createBoss(config, { db: poolAdapter(database.pool), instanceName: 'api-test-logs' });
    const { logger, lines } = capturingLogger('error');
    const app = createApp({ db: database.db, pool: database.pool, boss, config, logger, defaultMetrics: false });
    await database.close();

    const key = `zap_live_${'k'.repeat(43)}`;
    const res = await request(app).get('/api/keys').set('X-API-Key', key).set('X-Request-ID', 'log-test-1');
    expectErrorBody(res, 500, 'internal_error');
    expect(res.text).not.toContain('pool');

    expect(lines).toHaveLength(1);
    const line = JSON.parse(lines[0] as string);
    expect(line).toMatchObject({
      level: 'error',
      message: 'unhandled error',
      request_id: 'log-test-1',
      err: { name: 'Error', message: expect.stringContaining('pool'), stack: expect.stringContaining('Error') },
    });
    expect(lines[0]).not.toContain(key);
  });

  test('at LOG_LEVEL=http every request is logged as one JSON line with its request id, route and status, never its key or body', async () => {
    const { logger, lines } = capturingLogger('http');
    const app = createApp({
      db: api.database.db,
      pool: api.database.pool,
      boss: api.boss,
      config: api.config,
      logger,
      defaultMetrics: false,
    });

    await request(app)
      .post('/api/events')
      .set('X-API-Key', org.key)
      .set('X-Request-ID', 'log-test-2')
      .send({ type: 'logged', payload: { card: 'secret-payload' } })
      .expect(201);
    await request(app).get('/api/events/nope').set('X-API-Key', org.key).set('X-Request-ID', 'log-test-3').expect(404);

    expect(lines.map((l) => JSON.parse(l))).toEqual([
      expect.objectContaining({
        level: 'http',
        request_id: 'log-test-2',
        method: 'POST',
        route: '/api/events',
        status: 201,
        org_id: org.id,
      }),
      expect.objectContaining({ level: 'http', request_id: 'log-test-3', method: 'GET', route: '/api/events/:id', status: 404 }),
    ]);
    expect(lines.join('\n')).not.toContain('secret-payload');
    expect(lines.join('\n')).not.toContain(org.key);
  });

  test('an error is logged without the fields in which Postgres quotes the request data', () => {
    const error = Object.assign(new Error('invalid input syntax for type json'), {
      code: '22P02',
      detail: 'Token "secret-payload" is invalid.',
      where: 'JSON data, line 1: {"card":"secret-payload"...',
    });
    const fields = errorFields(error);
    expect(fields).toMatchObject({ name: 'Error', message: 'invalid input syntax for type json', code: '22P02' });
    expect(JSON.stringify(fields)).not.toContain('secret-payload');
  });
});

describe('X-Request-ID', () => {
  test('echoes the caller’s X-Request-ID on success and on errors', async () => {
    for (const [path, status] of [
      ['/api/keys', 200],
      ['/api/missing', 404],
      ['/health', 200],
    ] as const) {
      const res = await request(api.app).get(path).set('X-API-Key', org.key).set('X-Request-ID', 'caller-req.42');
      expect([path, res.status, res.headers['x-request-id']]).toEqual([path, status, 'caller-req.42']);
    }
    const unauthorized = await request(api.app).get('/api/keys').set('X-Request-ID', 'caller-req.43').expect(401);
    expect(unauthorized.headers['x-request-id']).toBe('caller-req.43');
    expect(unauthorized.body.request_id).toBe('caller-req.43');
  });

  test('makes a new UUID when the caller sent none, different on every request', async () => {
    const a = await request(api.app).get('/health/live').expect(200);
    const b = await request(api.app).get('/health/live').expect(200);
    expect(a.headers['x-request-id']).toMatch(/^[0-9a-f-]{36}$/);
    expect(b.headers['x-request-id']).toMatch(/^[0-9a-f-]{36}$/);
    expect(a.headers['x-request-id']).not.toBe(b.headers['x-request-id']);
  });

  test('replaces an X-Request-ID that is too long or has unsafe characters', async () => {
    for (const given of ['x'.repeat(201), 'has spaces in it', '<script>']) {
      const res = await request(api.app).get('/health/live').set('X-Request-ID', given).expect(200);
      expect(res.headers['x-request-id']).toMatch(/^[0-9a-f-]{36}$/);
    }
  });
});

describe('error bodies', () => {
  test.each([
    ['missing key', () => request(api.app).get('/api/inbox'), 401, 'missing_api_key'],
    [
      'wrong key',
      () => request(api.app).get('/api/inbox').set('X-API-Key', 'zap_live_xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx'),
      401,
      'invalid_api_key',
    ],
    ['bad query', () => request(api.app).get('/api/inbox?limit=0').set('X-API-Key', org.key), 422, 'validation_error'],
    [
      'bad body',
      () => request(api.app).post('/api/ack').set('X-API-Key', org.key).send({ event_ids: 'x' }),
      422,
      'validation_error',
    ],
    [
      'unknown event',
      () => request(api.app).post('/api/ack/0190a4b2-0000-7000-8000-000000000000').set('X-API-Key', org.key),
      404,
      'not_found',
    ],
    ['malformed event id', () => request(api.app).get('/api/events/nope').set('X-API-Key', org.key), 404, 'not_found'],
    [
      'bad URL',
      () => request(api.app).post('/api/webhook/config').set('X-API-Key', org.key).send({ webhook_url: 'http://10.0.0.1/' }),
      422,
      'validation_error',
    ],
    ['bad sign-up', () => request(api.app).post('/api/keys/generate').send({ tier: 'gold' }), 422, 'validation_error'],
  ])('%s: the contract error body with the request id', async (_name, send, status, code) => {
    expectErrorBody(await send(), status, code);
  });

  test.each(['/api/webhook/config', '/api/ack', '/api/events'])(
    'a body that is not JSON answers 400 invalid_json on the authenticated route %s',
    async (path) => {
      const res = await request(api.app)
        .post(path)
        .set('X-API-Key', org.key)
        .set('Content-Type', 'application/json')
        .send('{"not": json}');
      expectErrorBody(res, 400, 'invalid_json');
    },
  );
});

describe('health', () => {
  test('GET /health answers 200 when the database answers', async () => {
    const res = await request(api.app).get('/health').expect(200);
    expect(res.body).toEqual({ status: 'healthy', database: 'ok' });
  });

  test('GET /health/live answers 200', async () => {
    await request(api.app).get('/health/live').expect(200);
  });

  test('GET /health answers 503 within 2 s when nothing listens on the database port', async () => {
    const down = await appWithDatabaseAt('postgres://postgres@127.0.0.1:1/x');
    try {
      const started = Date.now();
      const res = await request(down.app).get('/health').expect(503);
      expect(Date.now() - started).toBeLessThan(2000);
      expect(res.body).toEqual({ status: 'unhealthy', database: 'unreachable' });
      await request(down.app).get('/health/live').expect(200);
    } finally {
      await down.database.close();
    }
  });

  test('GET /health answers 503 within 2 s when the database accepts connections but never answers', async () => {
    const sockets = new Set<net.Socket>();
    const blackhole = net.createServer((socket) => {
      sockets.add(socket);
      socket.on('error', () => {});
    });
    await new Promise<void>((resolve) => blackhole.listen(0, '127.0.0.1', resolve));
    const port = (blackhole.address() as net.AddressInfo).port;
    const down = await appWithDatabaseAt(`postgres://postgres@127.0.0.1:${port}/x`);
    try {
      const started = Date.now();
      const res = await request(down.app).get('/health').expect(503);
      expect(Date.now() - started).toBeLessThan(2000);
      expect(res.body).toEqual({ status: 'unhealthy', database: 'unreachable' });
      const live = Date.now();
      await request(down.app).get('/health/live').expect(200);
      expect(Date.now() - live).toBeLessThan(500);
    } finally {
      for (const socket of sockets) socket.destroy();
      await new Promise((resolve) => blackhole.close(resolve));
      await down.database.close().catch(() => {});
    }
  });

  test('GET /health answers 503 after the pool has been closed', async () => {
    const other = await startApi({ url: api.url });
    await other.close();
    const res = await request(other.app).get('/health').expect(503);
    expect(res.body).toEqual({ status: 'unhealthy', database: 'unreachable' });
  });
});

describe('GET /metrics', () => {
  test('serves Prometheus text with request, event, rate-limit and pool metrics', async () => {
    await request(api.app).get('/api/keys').set('X-API-Key', org.key).expect(200);
    const res = await request(api.app).get('/metrics').expect(200);
    expect(res.headers['content-type']).toMatch(/^text\/plain/);
    for (const name of [
      'http_requests_total',
      'http_request_duration_seconds_bucket',
      'events_ingested_total',
      'events_duplicate_total',
      'rate_limited_requests_total',
      'db_pool_connections',
    ]) {
      expect(res.text).toContain(`# TYPE ${name.replace(/_bucket$/, '')} `);
    }
    expect(res.text).toMatch(/^http_requests_total\{method="GET",route="\/api\/keys",status="200"\} [1-9]\d*$/m);
  });

  test('labels requests by route pattern, not by raw path', async () => {
    await request(api.app).post('/api/ack/0190a4b2-0000-7000-8000-000000000001').set('X-API-Key', org.key).expect(404);
    const res = await request(api.app).get('/metrics').expect(200);
    expect(res.text).toMatch(/^http_requests_total\{method="POST",route="\/api\/ack\/:event_id",status="404"\} \d+$/m);
    expect(res.text).not.toContain('0190a4b2-0000-7000-8000-000000000001');
  });
});
