import { afterAll, beforeAll, describe, expect, test } from '@jest/globals';
import { uuidv7 } from '@triggers/db';
import { type RawBuilder, sql } from 'kysely';
import request from 'supertest';
import { attemptsByBucketQuery, eventsByBucketQuery, undeliveredQuery } from '../src/stats/stats.repository.js';
import { statsRange } from '../src/stats/stats.routes.js';
import { insertEvent, insertEvents, signUp, startApi, type TestApi, type TestOrg } from './helpers.js';

let api: TestApi;

beforeAll(async () => {
  api = await startApi();
});

afterAll(async () => {
  await api.close();
});

const stats = (org: TestOrg, query = '') => request(api.app).get(`/api/stats${query}`).set('X-API-Key', org.key);
const ago = (ms: number) => new Date(Date.now() - ms);
const MINUTE = 60_000;

/** Records a delivery attempt of an event, as the worker does (the database fills in its organization). */
async function insertAttempt(eventId: string, at: Date, statusCode: number | null, attempt = 1): Promise<void> {
  await sql`
    INSERT INTO delivery_attempts (event_id, attempt, status_code, error, duration_ms, attempted_at)
    VALUES (${eventId}, ${attempt}, ${statusCode}, ${statusCode === 200 ? null : 'failed'}, 12, ${at})`.execute(api.database.db);
}

/** One delivery per event, to a subscription of the organization, as packages/delivery writes them. */
async function insertDeliveries(orgId: string, eventIds: string[], status: string, attempts = 0): Promise<void> {
  await sql`
    INSERT INTO deliveries (event_id, subscription_id, org_id, status, attempts)
    SELECT id, ${uuidv7()}, ${orgId}, ${status}, ${attempts} FROM unnest(${eventIds}::uuid[]) AS id`.execute(api.database.db);
}

interface Bucket {
  start: string;
  events: number;
  attempts: number;
  succeeded: number;
  failed: number;
}

/** The bucket of the response that holds `at`. */
function bucketOf(body: { buckets: Bucket[]; bucket_seconds: number }, at: Date): Bucket {
  const found = body.buckets.find((b) => {
    const start = new Date(b.start).getTime();
    return start <= at.getTime() && at.getTime() < start + body.bucket_seconds * 1000;
  });
  if (!found) throw new Error(`no bucket holds ${at.toISOString()}`);
  return found;
}

describe('GET /api/stats', () => {
  test('counts events and delivery attempts in the bucket of their minute, with the success rate', async () => {
    const org = await signUp(api.app);
    const fiveAgo = ago(5 * MINUTE);
    const thirtyAgo = ago(30 * MINUTE);
    const [a, b] = await insertEvents(api, org.id, [{ createdAt: fiveAgo }, { createdAt: fiveAgo }, { createdAt: thirtyAgo }]);
    await insertAttempt(a!.id, fiveAgo, 500);
    await insertAttempt(a!.id, fiveAgo, 200, 2);
    await insertAttempt(b!.id, thirtyAgo, null);
    await insertAttempt(b!.id, thirtyAgo, 204, 2);

    const res = await stats(org).expect(200);
    expect(bucketOf(res.body, fiveAgo)).toMatchObject({ events: 2, attempts: 2, succeeded: 1, failed: 1 });
    expect(bucketOf(res.body, thirtyAgo)).toMatchObject({ events: 1, attempts: 2, succeeded: 1, failed: 1 });
    expect(res.body.totals).toEqual({ events: 3, attempts: 4, succeeded: 2, failed: 2, success_rate: 0.5 });
  });

  test('covers the last hour in 60 one-minute buckets, oldest first, ending after now', async () => {
    const org = await signUp(api.app);
    const before = Date.now();
    const res = await stats(org).expect(200);
    expect(res.body).toMatchObject({ window: '1h', bucket_seconds: 60 });
    expect(res.body.buckets).toHaveLength(60);
    const to = new Date(res.body.to).getTime();
    expect(to).toBeGreaterThan(before);
    expect(to % MINUTE).toBe(0);
    expect(new Date(res.body.from).getTime()).toBe(to - 60 * MINUTE);
    expect(res.body.buckets[0].start).toBe(res.body.from);
    expect(res.body.buckets.at(-1).start).toBe(new Date(to - MINUTE).toISOString());
  });

  test('6h and 24h windows have 72 five-minute and 96 fifteen-minute buckets', async () => {
    const org = await signUp(api.app);
    const six = await stats(org, '?window=6h').expect(200);
    expect(six.body).toMatchObject({ window: '6h', bucket_seconds: 300 });
    expect(six.body.buckets).toHaveLength(72);
    const day = await stats(org, '?window=24h').expect(200);
    expect(day.body).toMatchObject({ window: '24h', bucket_seconds: 900 });
    expect(day.body.buckets).toHaveLength(96);
  });

  test('leaves out what is older than the window and what belongs to another organization', async () => {
    const org = await signUp(api.app);
    const other = await signUp(api.app);
    const old = await insertEvent(api, org.id, { createdAt: ago(2 * 60 * MINUTE) });
    await insertAttempt(old.id, ago(61 * MINUTE), 200);
    const theirs = await insertEvent(api, other.id, { createdAt: ago(MINUTE) });
    await insertAttempt(theirs.id, ago(MINUTE), 200);

    const res = await stats(org).expect(200);
    expect(res.body.totals).toEqual({ events: 0, attempts: 0, succeeded: 0, failed: 0, success_rate: null });
    expect(res.body.buckets.every((b: Bucket) => b.events === 0 && b.attempts === 0)).toBe(true);
    const day = await stats(org, '?window=24h').expect(200);
    expect(day.body.totals).toMatchObject({ events: 1, attempts: 1, succeeded: 1 });
  });

  test('counts pending, retrying and failed deliveries now, whatever their age', async () => {
    const org = await signUp(api.app);
    const other = await signUp(api.app);
    const [old, fresh, retried, failed, done] = await insertEvents(api, org.id, [
      { createdAt: ago(3 * 24 * 60 * MINUTE) },
      {},
      {},
      {},
      {},
    ]);
    await insertDeliveries(org.id, [old!.id, fresh!.id], 'pending');
    await insertDeliveries(org.id, [retried!.id], 'pending', 2);
    await insertDeliveries(org.id, [failed!.id], 'failed', 17);
    await insertDeliveries(org.id, [done!.id], 'delivered', 1);
    const theirs = await insertEvent(api, other.id);
    await insertDeliveries(other.id, [theirs.id], 'failed', 3);

    const res = await stats(org).expect(200);
    expect(res.body.deliveries).toEqual({ pending: 3, retrying: 1, failed: 1, exact: true });
  });

  test('stops counting a backlog at 10,000 and says the count is not exact', async () => {
    const org = await signUp(api.app);
    const events = await insertEvents(
      api,
      org.id,
      Array.from({ length: 10_001 }, () => ({ createdAt: ago(2 * 24 * 60 * MINUTE) })),
    );
    await insertDeliveries(
      org.id,
      events.map((e) => e.id),
      'failed',
      5,
    );
    const res = await stats(org).expect(200);
    expect(res.body.deliveries).toEqual({ pending: 0, retrying: 0, failed: 10_000, exact: false });
  });

  test('an unknown window is a 422 naming it; so is any other parameter', async () => {
    const org = await signUp(api.app);
    const bad = await stats(org, '?window=2h').expect(422);
    expect(bad.body).toMatchObject({ code: 'validation_error', details: [{ field: 'window' }] });
    expect(bad.body.request_id).toBeTruthy();
    const extra = await stats(org, '?from=yesterday').expect(422);
    expect(extra.body).toMatchObject({ code: 'validation_error', details: [{ field: 'from' }] });
  });

  test('needs a key and counts one request against the budget like any read', async () => {
    const missing = await request(api.app).get('/api/stats').expect(401);
    expect(missing.body.code).toBe('missing_api_key');
    await request(api.app).get('/api/stats').set('X-API-Key', 'zap_live_nope').expect(401);
    const org = await signUp(api.app);
    const first = await stats(org).expect(200);
    const second = await stats(org).expect(200);
    expect(Number(second.headers['x-ratelimit-remaining'])).toBe(Number(first.headers['x-ratelimit-remaining']) - 1);
    expect(second.headers['x-ratelimit-limit']).toBeDefined();
  });
});

describe('the statistics queries', () => {
  test('each delivery attempt gets its event’s organization from the database on insert', async () => {
    const org = await signUp(api.app);
    const event = await insertEvent(api, org.id);
    await insertAttempt(event.id, new Date(), 200);
    const { rows } = await sql<{ org_id: string }>`SELECT org_id FROM delivery_attempts WHERE event_id = ${event.id}`.execute(
      api.database.db,
    );
    expect(rows).toEqual([{ org_id: org.id }]);
  });

  test('read only the window, through indexes, never a scan of the whole table', async () => {
    const org = await signUp(api.app);
    // Ten days of an organization's traffic, and statistics about it, so the planner chooses as it would in production.
    const days = Array.from({ length: 3000 }, (_, i) => ({
      type: `type.${i % 7}`,
      status: (['pending', 'delivered', 'failed'] as const)[i % 3],
      createdAt: ago(i * 5 * MINUTE),
    }));
    const events = await insertEvents(api, org.id, days);
    await sql`
      INSERT INTO delivery_attempts (event_id, attempt, status_code, duration_ms, attempted_at)
      SELECT id, 1, 200, 10, created_at FROM unnest(${events.map((e) => e.id)}::uuid[], ${events.map((e) => e.created_at)}::timestamptz[])
        AS e (id, created_at)`.execute(api.database.db);
    await insertDeliveries(
      org.id,
      events.map((e) => e.id),
      'delivered',
      1,
    );
    await insertDeliveries(
      org.id,
      events.filter((_, i) => i % 20 === 0).map((e) => e.id),
      'failed',
      5,
    );
    await insertDeliveries(
      org.id,
      events.filter((_, i) => i % 30 === 0).map((e) => e.id),
      'pending',
      1,
    );
    for (const table of ['events', 'delivery_attempts', 'deliveries'])
      await sql`ANALYZE ${sql.table(table)}`.execute(api.database.db);
    const range = statsRange(new Date(), 3600, 60);
    const plan = async (query: RawBuilder<unknown>) => {
      const { rows } = await sql<{ 'QUERY PLAN': unknown }>`EXPLAIN (FORMAT JSON) ${query}`.execute(api.database.db);
      return JSON.stringify(rows[0]?.['QUERY PLAN']);
    };
    const events1h = await plan(eventsByBucketQuery(org.id, range));
    expect(events1h).toContain('events_org_status_created_idx');
    expect(events1h).not.toContain('Seq Scan');
    const attempts1h = await plan(attemptsByBucketQuery(org.id, range));
    expect(attempts1h).toContain('delivery_attempts_org_attempted_idx');
    expect(attempts1h).not.toContain('Seq Scan');
    const undelivered = await plan(undeliveredQuery(org.id, 10_000));
    expect(undelivered).toContain('deliveries_org_undelivered_idx');
    expect(undelivered).not.toContain('Seq Scan');
  });
});
