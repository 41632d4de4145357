import { once } from 'node:events';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, test } from '@jest/globals';
import { DELIVERY_QUEUE, FANOUT_QUEUE, type PgBoss } from '@triggers/queue';
import { sql } from 'kysely';
import request from 'supertest';
import { createApp } from '../src/app.js';
import { ISO_PATTERN, signUp, startApi, type TestApi, type TestOrg, UUID_PATTERN } from './helpers.js';

let api: TestApi;
let org: TestOrg;

beforeAll(async () => {
  api = await startApi();
  org = await signUp(api.app, { tier: 'enterprise' });
});
afterAll(async () => {
  await api.close();
});

const post = (body: unknown, key = org.key) =>
  request(api.app)
    .post('/api/events')
    .set('X-API-Key', key)
    .send(body as object);

async function jobsFor(eventId: string): Promise<{ name: string; data: { eventId: string; orgId: string } }[]> {
  const { rows } = await sql<{ name: string; data: { eventId: string; orgId: string } }>`
    SELECT name, data FROM pgboss.job WHERE data->>'eventId' = ${eventId}`.execute(api.database.db);
  return rows;
}

async function eventCount(): Promise<number> {
  const { rows } = await sql<{ n: number }>`SELECT count(*)::int AS n FROM events`.execute(api.database.db);
  return rows[0]?.n ?? 0;
}

describe('POST /api/events', () => {
  test('stores the event and its one fan-out job before answering 201', async () => {
    const res = await post({ type: 'order.created', payload: { order_id: 42, items: ['a', 'b'] } }).expect(201);
    expect(res.body).toEqual({
      id: expect.stringMatching(UUID_PATTERN),
      type: 'order.created',
      status: 'pending',
      dedup_id: null,
      created_at: expect.stringMatching(ISO_PATTERN),
    });
    const row = await api.database.db.selectFrom('events').selectAll().where('id', '=', res.body.id).executeTakeFirstOrThrow();
    expect(row).toMatchObject({
      org_id: org.id,
      type: 'order.created',
      payload: { order_id: 42, items: ['a', 'b'] },
      status: 'pending',
    });
    expect(row.created_at.toISOString()).toBe(res.body.created_at);
    expect(await jobsFor(res.body.id)).toEqual([{ name: FANOUT_QUEUE, data: { eventId: res.body.id, orgId: org.id } }]);
  });

  test('stores an event for an organization without a webhook, pending in the inbox', async () => {
    const res = await post({ type: 'no.webhook', payload: {} }).expect(201);
    const row = await api.database.db
      .selectFrom('events')
      .select('status')
      .where('id', '=', res.body.id)
      .executeTakeFirstOrThrow();
    expect(row.status).toBe('pending');
  });

  test.each([
    ['a missing type', { payload: {} }, 'type'],
    ['an empty type', { type: '', payload: {} }, 'type'],
    ['a type over 255 characters', { type: 't'.repeat(256), payload: {} }, 'type'],
    ['a non-string type', { type: 7, payload: {} }, 'type'],
    ['a missing payload', { type: 'x' }, 'payload'],
    ['an array payload', { type: 'x', payload: [1, 2] }, 'payload'],
    ['a string payload', { type: 'x', payload: 'hello' }, 'payload'],
    ['a null payload', { type: 'x', payload: null }, 'payload'],
    ['an empty dedup_id', { type: 'x', payload: {}, dedup_id: '' }, 'dedup_id'],
    ['a dedup_id over 255 characters', { type: 'x', payload: {}, dedup_id: 'd'.repeat(256) }, 'dedup_id'],
    ['a numeric dedup_id', { type: 'x', payload: {}, dedup_id: 12 }, 'dedup_id'],
  ])('refuses %s with 422 validation_error naming the field', async (_name, body, field) => {
    const before = await eventCount();
    const res = await post(body).expect(422);
    expect(res.body).toEqual({
      error: expect.any(String),
      code: 'validation_error',
      details: expect.arrayContaining([expect.objectContaining({ field })]),
      request_id: expect.any(String),
    });
    expect(await eventCount()).toBe(before);
  });

  test('names every offending field in one 422', async () => {
    const res = await post({ type: '', payload: [] }).expect(422);
    expect(res.body.details.map((d: { field: string }) => d.field).sort()).toEqual(['payload', 'type']);
  });

  test.each([
    ['an array', [1, 2]],
    ['a number', 5],
    ['null', null],
  ])('refuses a body that is %s with 422', async (_name, body) => {
    const res = await request(api.app)
      .post('/api/events')
      .set('X-API-Key', org.key)
      .set('Content-Type', 'application/json')
      .send(JSON.stringify(body))
      .expect(422);
    expect(res.body.code).toBe('validation_error');
  });

  test('answers 400 invalid_json to a malformed body', async () => {
    const res = await request(api.app)
      .post('/api/events')
      .set('X-API-Key', org.key)
      .set('Content-Type', 'application/json')
      .send('{"type": "x", "payload": {')
      .expect(400);
    expect(res.body).toEqual({ error: expect.any(String), code: 'invalid_json', request_id: expect.any(String) });
  });

  test('answers 401 before looking at the body', async () => {
    const res = await request(api.app).post('/api/events').send({ type: 'x', payload: {} }).expect(401);
    expect(res.body.code).toBe('missing_api_key');
  });

  test('accepts a payload of exactly 256 KB', async () => {
    const filler = 'a'.repeat(256 * 1024 - '{"f":""}'.length);
    await post({ type: 'big', payload: { f: filler } }).expect(201);
  });

  test('refuses a payload one byte over 256 KB with 413 and stores nothing', async () => {
    const before = await eventCount();
    const filler = 'a'.repeat(256 * 1024 - '{"f":""}'.length + 1);
    const res = await post({ type: 'big', payload: { f: filler } }).expect(413);
    expect(res.body).toEqual({ error: 'Payload exceeds 256KB limit', code: 'payload_too_large', request_id: expect.any(String) });
    expect(await eventCount()).toBe(before);
  });

  test('counts payload size in UTF-8 bytes, not characters', async () => {
    // 'é' is two bytes in UTF-8: 140,000 characters are about 280,000 bytes.
    const res = await post({ type: 'utf8', payload: { f: 'é'.repeat(140_000) } }).expect(413);
    expect(res.body.code).toBe('payload_too_large');
  });

  test('refuses a body far over the limit with 413 JSON, not an HTML page', async () => {
    const res = await post({ type: 'huge', payload: { f: 'a'.repeat(3 * 1024 * 1024) } }).expect(413);
    expect(res.body.code).toBe('payload_too_large');
  });

  test('answers a body too large to read with the contract 413 body of a payload over 256 KB', async () => {
    const res = await post({ type: 'huge', payload: { f: 'a'.repeat(3 * 1024 * 1024) } }).expect(413);
    expect(res.body).toEqual({ error: 'Payload exceeds 256KB limit', code: 'payload_too_large', request_id: expect.any(String) });
  });

  test.each([
    ['a NUL in type', { type: 'a\u0000b', payload: {} }, 'type'],
    ['an unpaired surrogate in type', { type: 'a\ud800', payload: {} }, 'type'],
    ['a NUL in dedup_id', { type: 'a', payload: {}, dedup_id: 'd\u0000' }, 'dedup_id'],
    ['a NUL in a payload value', { type: 'a', payload: { s: 'x\u0000y' } }, 'payload'],
    ['a NUL in a payload key', { type: 'a', payload: { 'k\u0000': 1 } }, 'payload'],
    ['an unpaired surrogate deep in the payload', { type: 'a', payload: { list: [{ s: '\udc00' }] } }, 'payload'],
  ])('refuses %s with 422 naming the field, and stores nothing', async (_name, body, field) => {
    const before = await eventCount();
    const res = await post(body).expect(422);
    expect(res.body).toMatchObject({ code: 'validation_error', details: [expect.objectContaining({ field })] });
    expect(await eventCount()).toBe(before);
  });

  test('stores a payload with paired surrogates (emoji) unchanged', async () => {
    const res = await post({ type: 'emoji', payload: { s: 'rocket \ud83d\ude80' } }).expect(201);
    const row = await api.database.db
      .selectFrom('events')
      .select('payload')
      .where('id', '=', res.body.id)
      .executeTakeFirstOrThrow();
    expect(row.payload).toEqual({ s: 'rocket 🚀' });
  });
});

describe('deduplication', () => {
  test('a duplicate dedup_id within the window returns 409 with the first event id', async () => {
    const first = await post({ type: 'x', payload: { n: 1 }, dedup_id: 'order-1' }).expect(201);
    expect(first.body.dedup_id).toBe('order-1');
    const second = await post({ type: 'x', payload: { n: 2 }, dedup_id: 'order-1' }).expect(409);
    expect(second.body).toEqual({
      error: 'Duplicate event detected within 24-hour window',
      code: 'duplicate_event',
      dedup_id: 'order-1',
      event_id: first.body.id,
      request_id: expect.any(String),
    });
    const { rows } = await sql<{ n: number }>`SELECT count(*)::int AS n FROM events WHERE dedup_id = 'order-1'`.execute(
      api.database.db,
    );
    expect(rows[0]?.n).toBe(1);
  });

  test('takes the Idempotency-Key header as dedup_id when the body has none', async () => {
    const first = await post({ type: 'x', payload: {} }).set('Idempotency-Key', 'idem-7').expect(201);
    expect(first.body.dedup_id).toBe('idem-7');
    const again = await post({ type: 'x', payload: {} }).set('Idempotency-Key', 'idem-7').expect(409);
    expect(again.body.event_id).toBe(first.body.id);
  });

  test('prefers the body dedup_id over the Idempotency-Key header', async () => {
    const res = await post({ type: 'x', payload: {}, dedup_id: 'body-wins' }).set('Idempotency-Key', 'header-loses').expect(201);
    expect(res.body.dedup_id).toBe('body-wins');
  });

  /** POSTs an event with an Idempotency-Key of exactly these bytes (node:http sends header strings as Latin-1). */
  async function postWithKeyBytes(bytes: Buffer): Promise<{ status: number; body: Record<string, unknown> }> {
    const server = api.app.listen(0, '127.0.0.1');
    await once(server, 'listening');
    try {
      const { port } = server.address() as AddressInfo;
      const res = await new Promise<http.IncomingMessage>((resolve, reject) => {
        const req = http.request({
          port,
          host: '127.0.0.1',
          method: 'POST',
          path: '/api/events',
          headers: { 'X-API-Key': org.key, 'Content-Type': 'application/json', 'Idempotency-Key': bytes.toString('latin1') },
        });
        req.on('response', resolve).on('error', reject);
        // A Buffer body: with a string body Node would send the headers in the body's encoding.
        req.end(Buffer.from(JSON.stringify({ type: 'x', payload: {} })));
      });
      const chunks: Buffer[] = [];
      for await (const chunk of res) chunks.push(chunk as Buffer);
      return { status: res.statusCode ?? 0, body: JSON.parse(Buffer.concat(chunks).toString('utf8')) };
    } finally {
      server.close();
    }
  }

  test('reads an Idempotency-Key sent as UTF-8 bytes as UTF-8', async () => {
    const res = await postWithKeyBytes(Buffer.from('clé-ü-1', 'utf8'));
    expect(res.status).toBe(201);
    expect(res.body.dedup_id).toBe('clé-ü-1');
  });

  test('refuses an Idempotency-Key that is not UTF-8 with 422', async () => {
    const res = await postWithKeyBytes(Buffer.from([0x6b, 0xe9]));
    expect(res.status).toBe(422);
    expect(res.body).toMatchObject({
      code: 'validation_error',
      details: [expect.objectContaining({ field: 'Idempotency-Key' })],
    });
  });

  test('refuses an Idempotency-Key over 255 characters with 422', async () => {
    const res = await post({ type: 'x', payload: {} }).set('Idempotency-Key', 'k'.repeat(256)).expect(422);
    expect(res.body.code).toBe('validation_error');
    expect(res.body.details[0].field).toBe('Idempotency-Key');
  });

  test('two organizations may use the same dedup_id', async () => {
    const other = await signUp(api.app, { tier: 'enterprise' });
    await post({ type: 'x', payload: {}, dedup_id: 'shared-id' }).expect(201);
    await post({ type: 'x', payload: {}, dedup_id: 'shared-id' }, other.key).expect(201);
  });

  test('a dedup_id may be used again once its window has passed', async () => {
    const first = await post({ type: 'x', payload: {}, dedup_id: 'expiring' }).expect(201);
    await sql`UPDATE event_dedup SET expires_at = now() - interval '1 second' WHERE dedup_id = 'expiring'`.execute(
      api.database.db,
    );
    const second = await post({ type: 'x', payload: {}, dedup_id: 'expiring' }).expect(201);
    expect(second.body.id).not.toBe(first.body.id);
    const third = await post({ type: 'x', payload: {}, dedup_id: 'expiring' }).expect(409);
    expect(third.body.event_id).toBe(second.body.id);
  });

  test('20 concurrent requests with one dedup_id give exactly one 201 and nineteen 409s with its id', async () => {
    const server = api.app.listen(0, '127.0.0.1');
    try {
      const responses = await Promise.all(
        Array.from({ length: 20 }, (_, n) =>
          request(server)
            .post('/api/events')
            .set('X-API-Key', org.key)
            .send({ type: 'race', payload: { n }, dedup_id: 'race-1' }),
        ),
      );
      const created = responses.filter((r) => r.status === 201);
      const duplicates = responses.filter((r) => r.status === 409);
      expect(created).toHaveLength(1);
      expect(duplicates).toHaveLength(19);
      for (const d of duplicates) expect(d.body.event_id).toBe(created[0]?.body.id);
    } finally {
      server.close();
    }
  });

  test('concurrent duplicates sent to two API processes give exactly one 201', async () => {
    const other = await startApi({ url: api.url });
    const servers = [api.app.listen(0, '127.0.0.1'), other.app.listen(0, '127.0.0.1')];
    try {
      const responses = await Promise.all(
        Array.from({ length: 20 }, (_, n) =>
          request(servers[n % 2] as (typeof servers)[0])
            .post('/api/events')
            .set('X-API-Key', org.key)
            .send({ type: 'race', payload: { n }, dedup_id: 'race-2' }),
        ),
      );
      const created = responses.filter((r) => r.status === 201);
      expect(created).toHaveLength(1);
      for (const r of responses.filter((x) => x.status !== 201)) {
        expect(r.status).toBe(409);
        expect(r.body.event_id).toBe(created[0]?.body.id);
      }
    } finally {
      for (const s of servers) s.close();
      await other.close();
    }
  });
});

describe('one transaction for the event and its job', () => {
  test('a failure enqueuing the job leaves neither the event nor its dedup record', async () => {
    const failingBoss = new Proxy(api.boss, {
      get(target, prop, receiver) {
        if (prop === 'insert') return async () => Promise.reject(new Error('queue unavailable'));
        return Reflect.get(target, prop, receiver);
      },
    }) as PgBoss;
    const app = createApp({
      db: api.database.db,
      pool: api.database.pool,
      boss: failingBoss,
      config: api.config,
      logger: (await import('@triggers/logger')).createLogger({ service: 'test', silent: true }),
      defaultMetrics: false,
    });
    const before = await eventCount();
    const res = await request(app)
      .post('/api/events')
      .set('X-API-Key', org.key)
      .send({ type: 'x', payload: {}, dedup_id: 'atomic-1' })
      .expect(500);
    expect(res.body).toEqual({ error: 'Internal server error', code: 'internal_error', request_id: expect.any(String) });
    expect(await eventCount()).toBe(before);
    const dedup = await api.database.db.selectFrom('event_dedup').selectAll().where('dedup_id', '=', 'atomic-1').execute();
    expect(dedup).toEqual([]);
    // The same dedup_id is free for the retry that follows.
    await post({ type: 'x', payload: {}, dedup_id: 'atomic-1' }).expect(201);
  });
});

describe('POST /api/events/batch', () => {
  const batch = (events: unknown, key = org.key) =>
    request(api.app)
      .post('/api/events/batch')
      .set('X-API-Key', key)
      .send({ events } as object);

  test('answers one result per input, in order, with each status', async () => {
    const res = await batch([
      { type: 'a', payload: { n: 1 } },
      { type: 'b', payload: { n: 2 }, dedup_id: 'batch-dup' },
      { type: 'c', payload: { n: 3 }, dedup_id: 'batch-dup' },
      { type: '', payload: {} },
      { type: 'e', payload: { f: 'a'.repeat(256 * 1024) } },
    ]).expect(200);
    const [a, b, c, d, e] = res.body.results;
    expect(a).toEqual({
      status: 201,
      id: expect.stringMatching(UUID_PATTERN),
      type: 'a',
      dedup_id: null,
      created_at: expect.stringMatching(ISO_PATTERN),
    });
    expect(b).toMatchObject({ status: 201, type: 'b', dedup_id: 'batch-dup' });
    expect(c).toEqual({ status: 409, error: expect.any(String), code: 'duplicate_event', dedup_id: 'batch-dup', event_id: b.id });
    expect(d).toMatchObject({ status: 422, code: 'validation_error', details: [expect.objectContaining({ field: 'type' })] });
    expect(e).toEqual({ status: 413, error: 'Payload exceeds 256KB limit', code: 'payload_too_large' });
    expect(res.body.results).toHaveLength(5);
  });

  test('answers 422 for an item with a NUL in its payload and still stores the others', async () => {
    const res = await batch([
      { type: 'good', payload: { n: 1 } },
      { type: 'bad', payload: { s: '\u0000' } },
    ]).expect(200);
    const [good, bad] = res.body.results;
    expect(good).toMatchObject({ status: 201, type: 'good' });
    expect(bad).toMatchObject({
      status: 422,
      code: 'validation_error',
      details: [expect.objectContaining({ field: 'payload' })],
    });
    const stored = await api.database.db.selectFrom('events').select('id').where('id', '=', good.id).execute();
    expect(stored).toHaveLength(1);
  });

  test('commits the accepted events of a batch together, each with its job', async () => {
    const res = await batch(Array.from({ length: 50 }, (_, n) => ({ type: 'bulk', payload: { n } }))).expect(200);
    const ids = res.body.results.map((r: { id: string }) => r.id);
    const { rows } = await sql<{ n: number; t: number }>`
      SELECT count(*)::int AS n, count(DISTINCT created_at)::int AS t FROM events WHERE id = ANY(${ids}::uuid[])`.execute(
      api.database.db,
    );
    expect(rows[0]).toEqual({ n: 50, t: 1 });
    const jobs = await sql<{
      n: number;
    }>`SELECT count(*)::int AS n FROM pgboss.job WHERE data->>'eventId' = ANY(${ids}::text[])`.execute(api.database.db);
    expect(jobs.rows[0]?.n).toBe(50);
  });

  test('a duplicate of an event stored earlier gets 409 with that event id', async () => {
    const first = await post({ type: 'x', payload: {}, dedup_id: 'earlier' }).expect(201);
    const res = await batch([{ type: 'x', payload: {}, dedup_id: 'earlier' }]).expect(200);
    expect(res.body.results[0]).toMatchObject({ status: 409, event_id: first.body.id });
  });

  test.each([
    ['an empty list', []],
    ['more than 1,000 events', Array.from({ length: 1001 }, () => ({ type: 'x', payload: {} }))],
    ['not a list', { type: 'x' }],
  ])('refuses %s with 422', async (_name, events) => {
    const res = await batch(events).expect(422);
    expect(res.body.code).toBe('validation_error');
    expect(res.body.details[0].field).toBe('events');
  });

  test('refuses a batch body over 4 MiB whole with 413 payload_too_large and stores nothing', async () => {
    const before = await eventCount();
    const events = Array.from({ length: 17 }, () => ({ type: 'x', payload: { f: 'a'.repeat(250 * 1024) } }));
    const res = await batch(events).expect(413);
    expect(res.body).toEqual({ error: 'Request body is too large', code: 'payload_too_large', request_id: expect.any(String) });
    expect(await eventCount()).toBe(before);
  });

  test('accepts a batch body just under 4 MiB', async () => {
    const events = Array.from({ length: 16 }, () => ({ type: 'x', payload: { f: 'a'.repeat(255 * 1024) } }));
    expect(JSON.stringify({ events }).length).toBeGreaterThan(4 * 1024 * 1024 - 64 * 1024);
    const res = await batch(events).expect(200);
    expect(res.body.results.map((r: { status: number }) => r.status)).toEqual(Array(16).fill(201));
  });

  test('accepts exactly 1,000 events', async () => {
    const res = await batch(Array.from({ length: 1000 }, (_, n) => ({ type: 'k', payload: { n } }))).expect(200);
    expect(res.body.results.every((r: { status: number }) => r.status === 201)).toBe(true);
  });
});

describe('GET /api/events/:id', () => {
  test('returns the event with its payload and (so far no) delivery attempts', async () => {
    const created = await post({ type: 'get.me', payload: { deep: { a: [1, { b: null }] } }, dedup_id: 'g1' }).expect(201);
    const res = await request(api.app).get(`/api/events/${created.body.id}`).set('X-API-Key', org.key).expect(200);
    expect(res.body).toEqual({
      id: created.body.id,
      type: 'get.me',
      payload: { deep: { a: [1, { b: null }] } },
      dedup_id: 'g1',
      status: 'pending',
      attempts: 0,
      created_at: created.body.created_at,
      delivered_at: null,
      acknowledged_at: null,
      last_error: null,
      deliveries: [],
      delivery_attempts: [],
    });
  });

  test('lists its deliveries and its recorded attempts in order, each with its subscription', async () => {
    const created = await post({ type: 'x', payload: {} }).expect(201);
    const subscription = '0190a1b2-0000-7000-8000-00000000000a';
    const next = new Date(Date.now() + 60_000);
    await api.database.db
      .insertInto('deliveries')
      .values({
        event_id: created.body.id,
        subscription_id: subscription,
        org_id: org.id,
        attempts: 2,
        last_error: 'timeout',
        next_attempt_at: next,
      })
      .execute();
    await api.database.db
      .insertInto('delivery_attempts')
      .values([
        {
          event_id: created.body.id,
          subscription_id: subscription,
          attempt: 2,
          status_code: null,
          error: 'timeout',
          duration_ms: 10000,
          attempted_at: new Date(Date.now() - 1000),
        },
        {
          event_id: created.body.id,
          subscription_id: subscription,
          attempt: 1,
          status_code: 500,
          error: 'HTTP 500',
          duration_ms: 12,
          attempted_at: new Date(Date.now() - 20_000),
        },
      ])
      .execute();
    const res = await request(api.app).get(`/api/events/${created.body.id}`).set('X-API-Key', org.key).expect(200);
    expect(res.body.deliveries).toEqual([
      {
        subscription_id: subscription,
        status: 'pending',
        attempts: 2,
        last_error: 'timeout',
        delivered_at: null,
        next_attempt_at: next.toISOString(),
      },
    ]);
    expect(res.body.delivery_attempts).toEqual([
      {
        subscription_id: subscription,
        attempt: 1,
        status_code: 500,
        error: 'HTTP 500',
        duration_ms: 12,
        attempted_at: expect.stringMatching(ISO_PATTERN),
      },
      {
        subscription_id: subscription,
        attempt: 2,
        status_code: null,
        error: 'timeout',
        duration_ms: 10000,
        attempted_at: expect.stringMatching(ISO_PATTERN),
      },
    ]);
  });

  test.each([
    ['an unknown id', '0190a1b2-0000-7000-8000-000000000000'],
    ['a malformed id', 'not-a-uuid'],
    ['an id with SQL in it', "1' OR '1'='1"],
  ])('answers 404 not_found for %s', async (_name, id) => {
    const res = await request(api.app)
      .get(`/api/events/${encodeURIComponent(id)}`)
      .set('X-API-Key', org.key)
      .expect(404);
    expect(res.body).toEqual({ error: 'Event not found', code: 'not_found', request_id: expect.any(String) });
  });

  test("answers 404 for another organization's event", async () => {
    const other = await signUp(api.app);
    const created = await post({ type: 'private', payload: {} }).expect(201);
    const res = await request(api.app).get(`/api/events/${created.body.id}`).set('X-API-Key', other.key).expect(404);
    expect(res.body.code).toBe('not_found');
  });
});

describe('POST /api/events/:id/redeliver', () => {
  test('answers 409 no_subscription when there is no subscription to deliver to', async () => {
    const created = await post({ type: 'x', payload: {} }).expect(201);
    const res = await request(api.app).post(`/api/events/${created.body.id}/redeliver`).set('X-API-Key', org.key).expect(409);
    expect(res.body).toEqual({
      error: 'No subscription to deliver this event to',
      code: 'no_subscription',
      request_id: expect.any(String),
    });
  });

  test('queues a fresh delivery of an acknowledged event and sets it back to pending', async () => {
    const hooked = await signUp(api.app);
    await request(api.app)
      .post('/api/webhook/config')
      .set('X-API-Key', hooked.key)
      .send({ webhook_url: 'https://example.com/hook' })
      .expect(200);
    const created = await post({ type: 'x', payload: {} }, hooked.key).expect(201);
    await api.database.db
      .updateTable('events')
      .set({ status: 'delivered', last_error: 'HTTP 500', delivered_at: new Date(), acknowledged_at: new Date() })
      .where('id', '=', created.body.id)
      .execute();
    const res = await request(api.app).post(`/api/events/${created.body.id}/redeliver`).set('X-API-Key', hooked.key).expect(202);
    expect(res.body).toEqual({ id: created.body.id, status: 'pending' });
    // The fan-out job from ingest (no worker runs here) and the redelivery's delivery job.
    expect((await jobsFor(created.body.id)).map((j) => j.name).sort()).toEqual([DELIVERY_QUEUE, FANOUT_QUEUE]);
    const row = await api.database.db
      .selectFrom('events')
      .selectAll()
      .where('id', '=', created.body.id)
      .executeTakeFirstOrThrow();
    expect(row).toMatchObject({ status: 'pending', last_error: null, delivered_at: null, acknowledged_at: null });
  });

  test('answers with the canonical lowercase id when the path spells it in uppercase', async () => {
    const receiver = await signUp(api.app, { tier: 'enterprise' });
    await request(api.app)
      .post('/api/webhook/config')
      .set('X-API-Key', receiver.key)
      .send({ webhook_url: 'https://example.com/hook' })
      .expect(200);
    const created = await post({ type: 'x', payload: {} }, receiver.key).expect(201);
    const res = await request(api.app)
      .post(`/api/events/${created.body.id.toUpperCase()}/redeliver`)
      .set('X-API-Key', receiver.key)
      .expect(202);
    expect(res.body).toEqual({ id: created.body.id, status: 'pending' });
  });

  test("answers 404 for an unknown, malformed or another organization's event", async () => {
    const other = await signUp(api.app);
    const created = await post({ type: 'x', payload: {} }).expect(201);
    for (const [id, key] of [
      ['0190a1b2-0000-7000-8000-000000000000', org.key],
      ['nope', org.key],
      [created.body.id, other.key],
    ]) {
      const res = await request(api.app)
        .post(`/api/events/${id}/redeliver`)
        .set('X-API-Key', key as string)
        .expect(404);
      expect(res.body.code).toBe('not_found');
    }
  });
});
