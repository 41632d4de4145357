import { afterAll, beforeAll, describe, expect, test } from '@jest/globals';
import { uuidv7 } from '@triggers/db';
import type express from 'express';
import { sql } from 'kysely';
import request from 'supertest';
import { parseTypePattern } from '../src/inbox/type-pattern.js';
import { leaseStatement } from '../src/leases/leases.repository.js';
import { ISO_PATTERN, insertEvents, signUp, startApi, type TestApi, type TestOrg, UUID_PATTERN } from './helpers.js';

let api: TestApi;
beforeAll(async () => {
  api = await startApi();
});
afterAll(async () => {
  await api.close();
});

interface LeasedEvent {
  id: string;
  type: string;
}

function lease(org: TestOrg, body: unknown = {}, app: express.Express = api.app) {
  return request(app)
    .post('/api/inbox/lease')
    .set('X-API-Key', org.key)
    .send(body as object);
}

function extend(org: TestOrg, leaseId: string, body: unknown = {}, app: express.Express = api.app) {
  return request(app)
    .post(`/api/inbox/lease/${leaseId}/extend`)
    .set('X-API-Key', org.key)
    .send(body as object);
}

function ack(org: TestOrg, ids: string[], app: express.Express = api.app) {
  return request(app).post('/api/ack').set('X-API-Key', org.key).send({ event_ids: ids });
}

const ids = (res: request.Response) => (res.body.events as LeasedEvent[]).map((e) => e.id);
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** Waits until a lease's expires_at has passed (on the database's clock, the same machine's). */
async function pastExpiry(expiresAt: string): Promise<void> {
  await sleep(Math.max(0, new Date(expiresAt).getTime() - Date.now()) + 50);
}

/** `count` pending events, one millisecond apart, oldest first. */
async function inbox(org: TestOrg, count: number, type = 'test.event') {
  const t = Date.now() - count - 1000;
  return insertEvents(
    api,
    org.id,
    Array.from({ length: count }, (_, i) => ({ type, payload: { i }, createdAt: new Date(t + i) })),
  );
}

async function databaseNow(): Promise<number> {
  const { rows } = await sql<{ now: Date }>`SELECT now()`.execute(api.database.db);
  return (rows[0] as { now: Date }).now.getTime();
}

describe('POST /api/inbox/lease', () => {
  test('hands out the oldest pending and failed, unacknowledged events, oldest first, in the inbox shape', async () => {
    const org = await signUp(api.app);
    const t = Date.now() - 10_000;
    const [, acked, pending, failed, newer] = await insertEvents(api, org.id, [
      { status: 'delivered', deliveredAt: new Date(t), createdAt: new Date(t) },
      { createdAt: new Date(t + 1) },
      { type: 'order.created', payload: { n: 1 }, createdAt: new Date(t + 2) },
      { status: 'failed', createdAt: new Date(t + 3) },
      { createdAt: new Date(t + 4) },
    ]);
    await ack(org, [acked?.id as string]).expect(200);
    const before = await databaseNow();
    const res = await lease(org).expect(200);
    expect(res.body).toEqual({
      lease_id: expect.stringMatching(UUID_PATTERN),
      expires_at: expect.stringMatching(ISO_PATTERN),
      events: [
        {
          id: pending?.id,
          type: 'order.created',
          payload: { n: 1 },
          dedup_id: null,
          status: 'pending',
          attempts: 0,
          created_at: new Date(t + 2).toISOString(),
          delivered_at: null,
          last_error: null,
        },
        expect.objectContaining({ id: failed?.id, status: 'failed' }),
        expect.objectContaining({ id: newer?.id, status: 'pending' }),
      ],
    });
    // Held for the default 30 seconds.
    const expiresAt = new Date(res.body.expires_at).getTime();
    expect(expiresAt).toBeGreaterThanOrEqual(before + 30_000);
    expect(expiresAt).toBeLessThanOrEqual((await databaseNow()) + 30_000);
    // A lease is a request like any other.
    expect(res.headers['x-ratelimit-limit']).toBe('100');
    expect(res.headers['x-ratelimit-remaining']).toBe('98');
  });

  test('an event held by one lease is not handed to another; with nothing free a lease is empty', async () => {
    const org = await signUp(api.app);
    const events = await inbox(org, 5);
    const first = await lease(org, { limit: 2 }).expect(200);
    expect(ids(first)).toEqual(events.slice(0, 2).map((e) => e.id));
    const second = await lease(org, { limit: 10 }).expect(200);
    expect(ids(second)).toEqual(events.slice(2).map((e) => e.id));
    const third = await lease(org).expect(200);
    expect(third.body.events).toEqual([]);
    expect(third.body.lease_id).toMatch(UUID_PATTERN);
    expect(new Set([first.body.lease_id, second.body.lease_id, third.body.lease_id]).size).toBe(3);
  });

  test('holds its events for visibility_seconds', async () => {
    const org = await signUp(api.app);
    await inbox(org, 3);
    const before = await databaseNow();
    const res = await lease(org, { limit: 3, visibility_seconds: 43_200 }).expect(200);
    expect(res.body.events).toHaveLength(3);
    const expiresAt = new Date(res.body.expires_at).getTime();
    expect(expiresAt).toBeGreaterThanOrEqual(before + 43_200_000);
    expect(expiresAt).toBeLessThanOrEqual((await databaseNow()) + 43_200_000);
  });

  test('an event not acknowledged before expires_at is leased again; an acknowledged one never is', async () => {
    const org = await signUp(api.app);
    const events = await inbox(org, 4);
    const first = await lease(org, { visibility_seconds: 1 }).expect(200);
    expect(ids(first)).toHaveLength(4);
    await request(api.app).post(`/api/ack/${events[0]?.id}`).set('X-API-Key', org.key).expect(200);
    await ack(org, [events[1]?.id as string]).expect(200);
    expect((await lease(org).expect(200)).body.events).toEqual([]);
    await pastExpiry(first.body.expires_at);
    const again = await lease(org).expect(200);
    expect(ids(again)).toEqual(events.slice(2).map((e) => e.id));
  });

  test('an acknowledgement releases the event from its lease for good (nothing is left holding it)', async () => {
    const org = await signUp(api.app);
    const events = await inbox(org, 3);
    await lease(org).expect(200);
    await ack(org, [events[0]?.id as string]).expect(200);
    await request(api.app).post(`/api/ack/${events[1]?.id}`).set('X-API-Key', org.key).expect(200);
    const holds = await api.database.db
      .selectFrom('event_leases')
      .select('event_id')
      .where(
        'event_id',
        'in',
        events.map((e) => e.id),
      )
      .execute();
    expect(holds.map((h) => h.event_id)).toEqual([events[2]?.id]);
  });

  test('leases only the events of a type, or of a prefix.* pattern, or of every type with *', async () => {
    const org = await signUp(api.app);
    const t = Date.now() - 10_000;
    const types = ['order.created', 'orderx', 'invoice.paid', 'order.paid', 'order', 'order.line.added', 'invoice.sent'];
    const events = await insertEvents(
      api,
      org.id,
      types.map((type, i) => ({ type, createdAt: new Date(t + i) })),
    );
    const of = (...wanted: string[]) => events.filter((_, i) => wanted.includes(types[i] as string)).map((e) => e.id);
    expect(ids(await lease(org, { type: 'order.*' }).expect(200))).toEqual(of('order.created', 'order.paid', 'order.line.added'));
    expect(ids(await lease(org, { type: 'invoice.paid' }).expect(200))).toEqual(of('invoice.paid'));
    expect(ids(await lease(org, { type: 'orderx' }).expect(200))).toEqual(of('orderx'));
    expect(ids(await lease(org, { type: 'order.*' }).expect(200))).toEqual([]);
    expect(ids(await lease(org, { type: '*' }).expect(200))).toEqual(of('order', 'invoice.sent'));
  });

  test('ends a lease early once it holds about 8 MB of payloads; the rest stay free', async () => {
    const org = await signUp(api.app);
    const t = Date.now() - 10_000;
    // 40 events of about 250 KB each (10 MB in all).
    await sql`
      INSERT INTO events (id, org_id, type, payload, created_at)
      SELECT gen_random_uuid(), ${org.id}, 'big', jsonb_build_object('f', repeat('a', 250000)), ${new Date(t)}::timestamptz + g * interval '1 ms'
      FROM generate_series(1, 40) g`.execute(api.database.db);
    const first = await lease(org, { limit: 100 }).expect(200);
    const held = first.body.events.length;
    const bytes = JSON.stringify(first.body.events.map((e: { payload: unknown }) => e.payload)).length;
    expect(held).toBeGreaterThan(30);
    expect(held).toBeLessThan(40);
    expect(bytes).toBeLessThan(8 * 1024 * 1024 + 260_000);
    const rest = await lease(org, { limit: 100 }).expect(200);
    expect(rest.body.events).toHaveLength(40 - held);
  });

  test('needs an API key', async () => {
    const res = await request(api.app).post('/api/inbox/lease').send({}).expect(401);
    expect(res.body.code).toBe('missing_api_key');
  });

  test('answers 405 with an Allow header to GET', async () => {
    const org = await signUp(api.app);
    const res = await request(api.app).get('/api/inbox/lease').set('X-API-Key', org.key).expect(405);
    expect(res.headers.allow).toBe('POST');
    expect(res.body.code).toBe('method_not_allowed');
  });
});

describe('bad lease requests', () => {
  let org: TestOrg;
  beforeAll(async () => {
    org = await signUp(api.app, { tier: 'enterprise' });
  });

  test.each([
    [{ visibility_seconds: 0 }, 'visibility_seconds', "'visibility_seconds' must be greater than or equal to 1"],
    [{ visibility_seconds: 43_201 }, 'visibility_seconds', "'visibility_seconds' must be less than or equal to 43200"],
    [{ visibility_seconds: '30' }, 'visibility_seconds', "'visibility_seconds' must be a number"],
    [{ visibility_seconds: 'soon' }, 'visibility_seconds', "'visibility_seconds' must be a number"],
    [{ visibility_seconds: 1.5 }, 'visibility_seconds', "'visibility_seconds' must be an integer"],
    [{ limit: 0 }, 'limit', "'limit' must be greater than or equal to 1"],
    [{ limit: 1001 }, 'limit', "'limit' must be less than or equal to 1000"],
    [{ limit: '10' }, 'limit', "'limit' must be a number"],
    [{ type: '' }, 'type', "'type' is not allowed to be empty"],
    [{ type: 'x'.repeat(256) }, 'type', "'type' length must be less than or equal to 255 characters long"],
    [{ type: 7 }, 'type', "'type' must be a string"],
  ])('a lease with %j is 422 validation_error naming %s', async (body, field, message) => {
    const res = await lease(org, body).expect(422);
    expect(res.body).toEqual({
      error: `Validation failed: ${field}`,
      code: 'validation_error',
      details: [{ field, message }],
      request_id: res.headers['x-request-id'],
    });
  });

  test('a lease body that is not an object is 422; one that is not JSON is 400', async () => {
    const array = await request(api.app)
      .post('/api/inbox/lease')
      .set('X-API-Key', org.key)
      .set('Content-Type', 'application/json')
      .send('[]')
      .expect(422);
    expect(array.body).toMatchObject({ code: 'validation_error', details: [{ field: 'body' }] });
    const broken = await request(api.app)
      .post('/api/inbox/lease')
      .set('X-API-Key', org.key)
      .set('Content-Type', 'application/json')
      .send('{nope')
      .expect(400);
    expect(broken.body).toEqual({
      error: 'Request body is not valid JSON',
      code: 'invalid_json',
      request_id: expect.any(String),
    });
  });

  test.each([
    [{ visibility_seconds: 0 }, "'visibility_seconds' must be greater than or equal to 1"],
    [{ visibility_seconds: 43_201 }, "'visibility_seconds' must be less than or equal to 43200"],
    [{ visibility_seconds: '60' }, "'visibility_seconds' must be a number"],
  ])('an extension with %j is 422 validation_error', async (body, message) => {
    const held = await lease(org).expect(200);
    const res = await extend(org, held.body.lease_id, body).expect(422);
    expect(res.body).toEqual({
      error: 'Validation failed: visibility_seconds',
      code: 'validation_error',
      details: [{ field: 'visibility_seconds', message }],
      request_id: res.headers['x-request-id'],
    });
  });

  test.each([
    ['an unknown lease id', uuidv7()],
    ['a malformed lease id', 'not-a-lease'],
    ['a lease id with a trailing character', `${uuidv7()}x`],
    ['a lease id that does not percent-decode', '%E0%A4%A'],
  ])('extending %s is 404 Lease not found', async (_name, id) => {
    const res = await extend(org, id, { visibility_seconds: 60 }).expect(404);
    expect(res.body).toEqual({ error: 'Lease not found', code: 'not_found', request_id: res.headers['x-request-id'] });
  });

  test("extending another organization's lease is 404, and leaves it as it was", async () => {
    const owner = await signUp(api.app);
    await inbox(owner, 2);
    const held = await lease(owner, { visibility_seconds: 60 }).expect(200);
    const res = await extend(org, held.body.lease_id, { visibility_seconds: 600 }).expect(404);
    expect(res.body).toEqual({ error: 'Lease not found', code: 'not_found', request_id: res.headers['x-request-id'] });
    const own = await extend(owner, held.body.lease_id, { visibility_seconds: 60 }).expect(200);
    expect(own.body.event_ids).toHaveLength(2);
  });
});

describe('POST /api/inbox/lease/:lease_id/extend', () => {
  test('keeps the unacknowledged events past the first expiry, and lists them', async () => {
    const org = await signUp(api.app);
    const events = await inbox(org, 3);
    const held = await lease(org, { visibility_seconds: 1 }).expect(200);
    await ack(org, [events[1]?.id as string]).expect(200);
    const before = await databaseNow();
    const res = await extend(org, held.body.lease_id, { visibility_seconds: 60 }).expect(200);
    const kept = [events[0]?.id, events[2]?.id].sort();
    expect(res.body).toEqual({ lease_id: held.body.lease_id, expires_at: expect.stringMatching(ISO_PATTERN), event_ids: kept });
    const expiresAt = new Date(res.body.expires_at).getTime();
    expect(expiresAt).toBeGreaterThanOrEqual(before + 60_000);
    expect(expiresAt).toBeLessThanOrEqual((await databaseNow()) + 60_000);
    await pastExpiry(held.body.expires_at);
    expect((await lease(org).expect(200)).body.events).toEqual([]);
  });

  test('defaults to 30 more seconds', async () => {
    const org = await signUp(api.app);
    await inbox(org, 1);
    const held = await lease(org, { visibility_seconds: 5 }).expect(200);
    const before = await databaseNow();
    const res = await extend(org, held.body.lease_id).expect(200);
    expect(new Date(res.body.expires_at).getTime()).toBeGreaterThanOrEqual(before + 30_000);
  });

  test('after expiry is 404 Lease not found, and the events go to the next lease', async () => {
    const org = await signUp(api.app);
    const events = await inbox(org, 2);
    const held = await lease(org, { visibility_seconds: 1 }).expect(200);
    await pastExpiry(held.body.expires_at);
    const res = await extend(org, held.body.lease_id, { visibility_seconds: 60 }).expect(404);
    expect(res.body).toEqual({ error: 'Lease not found', code: 'not_found', request_id: res.headers['x-request-id'] });
    expect(ids(await lease(org).expect(200))).toEqual(events.map((e) => e.id));
  });

  test('finds a lease by its id after the API process that made it has gone', async () => {
    const org = await signUp(api.app);
    const events = await inbox(org, 3);
    const other = await startApi({ url: api.url });
    const held = await lease(org, { visibility_seconds: 60 }, other.app).expect(200);
    await other.close();
    const res = await extend(org, held.body.lease_id, { visibility_seconds: 120 }).expect(200);
    expect(res.body.event_ids).toEqual(events.map((e) => e.id).sort());
  });
});

describe('competing consumers on two API processes', () => {
  let second: TestApi;
  beforeAll(async () => {
    second = await startApi({ url: api.url });
  });
  afterAll(async () => {
    await second.close();
  });

  /**
   * A consumer: leases `limit` events, records them, acknowledges them in one batch, until
   * `done()`; when a lease comes back empty it waits a little and tries again.
   */
  async function consume(org: TestOrg, app: express.Express, limit: number, handed: string[], done: () => boolean) {
    while (!done()) {
      const res = await lease(org, { limit, visibility_seconds: 300 }, app).expect(200);
      const got = ids(res);
      handed.push(...got);
      if (got.length === 0) {
        await sleep(50);
        continue;
      }
      const acked = await ack(org, got, app).expect(200);
      expect(acked.body.not_found).toEqual([]);
    }
  }

  async function acknowledged(org: TestOrg): Promise<number> {
    const row = await api.database.db
      .selectFrom('events')
      .select((eb) => eb.fn.countAll<number>().as('n'))
      .where('org_id', '=', org.id)
      .where('acknowledged_at', 'is not', null)
      .executeTakeFirstOrThrow();
    return Number(row.n);
  }

  test('four consumers leasing one inbox of 2,000 events while none expires: each event handed out exactly once', async () => {
    const org = await signUp(api.app, { tier: 'enterprise' });
    const events = await inbox(org, 2000);
    const apps = [api.app, second.app];
    const handed: string[][] = [[], [], [], []];
    const deadline = Date.now() + 60_000;
    const done = () => handed.flat().length >= 2000 || Date.now() > deadline;
    await Promise.all(
      handed.map((mine, c) => consume(org, apps[c % 2] as express.Express, [100, 37, 100, 250][c] as number, mine, done)),
    );
    const all = handed.flat();
    expect(all).toHaveLength(2000);
    expect(new Set(all).size).toBe(2000);
    expect(new Set(all)).toEqual(new Set(events.map((e) => e.id)));
    expect(handed.filter((mine) => mine.length > 0).length).toBeGreaterThanOrEqual(2);
    expect(await acknowledged(org)).toBe(2000);
    expect((await lease(org).expect(200)).body.events).toEqual([]);
  }, 120_000);

  test('a consumer that dies has its events handed to another after expiry; no acknowledged event is handed out again', async () => {
    const org = await signUp(api.app, { tier: 'enterprise' });
    const events = await inbox(org, 500);
    // The consumer that dies: it leases 100 events for one second and is never heard from again.
    const dead = await lease(org, { limit: 100, visibility_seconds: 1 }, second.app).expect(200);
    const lost = ids(dead);
    expect(lost).toEqual(events.slice(0, 100).map((e) => e.id));

    const apps = [api.app, second.app, api.app];
    const handed: string[][] = [[], [], []];
    const deadline = Date.now() + 30_000;
    const done = () => handed.flat().length >= 500 || Date.now() > deadline;
    await Promise.all(handed.map((mine, c) => consume(org, apps[c] as express.Express, 50, mine, done)));

    const all = handed.flat();
    // Every event handed to a live consumer exactly once, the dead one's included (after expiry).
    expect(all).toHaveLength(500);
    expect(new Set(all)).toEqual(new Set(events.map((e) => e.id)));
    expect(await acknowledged(org)).toBe(500);
    const res = await extend(org, dead.body.lease_id, { visibility_seconds: 60 }, second.app).expect(404);
    expect(res.body.code).toBe('not_found');
    // None of the 500, all acknowledged, is handed out again, now or after any lease expires.
    expect((await lease(org).expect(200)).body.events).toEqual([]);
  }, 120_000);
});

describe('lease statements', () => {
  let org: TestOrg;
  beforeAll(async () => {
    org = await signUp(api.app);
    const other = await signUp(api.app);
    const t = Date.now();
    const statuses = ['delivered', 'delivered', 'delivered', 'pending', 'failed'] as const;
    const types = ['order.created', 'order.paid', 'invoice.paid', 'user.signed_up'];
    // A backlog far larger than a lease, as the plans are meant for.
    for (const [owner, count] of [
      [org, 20_000],
      [other, 4000],
    ] as const) {
      await insertEvents(
        api,
        owner.id,
        Array.from({ length: count }, (_, i) => ({
          status: statuses[i % 5],
          type: types[i % 4],
          createdAt: new Date(t - i * 7),
        })),
      );
    }
    await sql`ANALYZE events`.execute(api.database.db);
    await sql`ANALYZE event_leases`.execute(api.database.db);
  });

  /** The plan of a lease statement (EXPLAIN alone does not run it). */
  async function plan(type?: string): Promise<string> {
    const statement = leaseStatement(org.id, {
      id: uuidv7(),
      limit: 100,
      visibilitySeconds: 30,
      type: type === undefined ? undefined : parseTypePattern(type),
    });
    const { rows } = await sql<Record<string, string>>`EXPLAIN ${statement}`.execute(api.database.db);
    return rows.map((r) => String(Object.values(r)[0])).join('\n');
  }

  test.each([
    ['no type', 'events_org_undelivered_created_idx', undefined],
    ['an exact type', 'events_org_type_undelivered_idx', 'order.created'],
  ])('with %s, walks %s oldest first, locking as it goes, with no sort and no scan of the table', async (_name, index, type) => {
    const text = await plan(type);
    expect(text).toMatch(new RegExp(`Limit[\\s\\S]*LockRows[\\s\\S]*Index Scan Backward using ${index} on events`));
    expect(text).toMatch(/Index Scan using event_leases_pkey on event_leases/);
    expect(text).not.toMatch(/Seq Scan on events/);
    // The only sorts are of the (at most 100) rows taken, never of the candidates.
    const candidates = text.slice(text.indexOf('CTE candidates'), text.indexOf('CTE held'));
    expect(candidates).toMatch(/LockRows/);
    expect(candidates).not.toMatch(/Sort/);
  });

  // Oldest first by the undelivered index (filtering types) or by a type index range (sorting the
  // matching pending and failed events): the planner weighs how many match.
  test('with a prefix.* pattern, reads the pending and failed events of those types through an index, not the table', async () => {
    const text = await plan('order.*');
    expect(text).toMatch(/LockRows[\s\S]*(Index Scan Backward using|Bitmap Index Scan on) events_org_\w+_idx/);
    expect(text).not.toMatch(/Seq Scan on events/);
  });
});
