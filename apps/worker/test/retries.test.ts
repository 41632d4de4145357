import { afterAll, beforeAll, describe, expect, test } from '@jest/globals';
import { acknowledgeEvents } from '@triggers/delivery';
import { DELIVERY_QUEUE } from '@triggers/queue';
import { createTestDatabase } from '@triggers/testing';
import { sql } from 'kysely';
import { createOrg, enqueueEvent, findAttempts, findDeliveries, findEvent, findJobs } from './helpers/fixtures.js';
import { eventually, receiverPool, sleep } from './helpers/receiver.js';
import { startWorker, type TestWorker } from './helpers/worker.js';

let w: TestWorker;
const receivers = receiverPool();
const receiver = receivers.start;

beforeAll(async () => {
  w = await startWorker(await createTestDatabase(), { WEBHOOK_MAX_ATTEMPTS: '5', WEBHOOK_RETRY_BASE_SECONDS: '1' });
});

afterAll(async () => {
  await w.stop();
  await receivers.closeAll();
});

describe('retries', () => {
  test('a receiver that fails three times then succeeds gets four numbered attempts with growing gaps', async () => {
    const r = await receiver((_req, i) => (i < 3 ? { status: 500 } : { status: 200 }));
    const org = await createOrg(w.database.db, { webhookUrl: r.url });
    const id = await enqueueEvent(w.database.db, w.boss, org.id);
    const requests = await r.waitFor(4, 30_000);
    const event = await eventually(async () => {
      const e = await findEvent(w.database.db, id);
      return e.status === 'delivered' ? e : null;
    });

    expect(requests.map((q) => q.headers['x-delivery-attempt'])).toEqual(['1', '2', '3', '4']);
    expect(requests.map((q) => JSON.parse(q.body).attempt)).toEqual([1, 2, 3, 4]);
    expect(new Set(requests.map((q) => q.headers['webhook-id']))).toEqual(new Set([id]));
    // Backoff base 1 s: the n-th retry waits between 2^(n-1) and 2^n seconds (pg-boss adds jitter).
    const gaps = requests.slice(1).map((q, i) => q.at - (requests[i] as { at: number }).at);
    expect(gaps[0]).toBeGreaterThanOrEqual(900);
    expect(gaps[1]).toBeGreaterThanOrEqual(1900);
    expect(gaps[2]).toBeGreaterThanOrEqual(3900);
    expect(gaps[1]).toBeGreaterThan(gaps[0] as number);
    expect(gaps[2]).toBeGreaterThan(gaps[1] as number);

    expect(event).toMatchObject({ status: 'delivered', attempts: 4, last_error: null });
    const attempts = await findAttempts(w.database.db, id);
    expect(attempts.map((a) => [a.attempt, a.status_code])).toEqual([
      [1, 500],
      [2, 500],
      [3, 500],
      [4, 200],
    ]);
    expect(attempts.slice(0, 3).every((a) => a.error === 'HTTP 500')).toBe(true);
  }, 40_000);

  test('a 429 with Retry-After waits that long instead of the backoff', async () => {
    const r = await receiver((_req, i) => (i === 0 ? { status: 429, headers: { 'retry-after': '4' } } : { status: 200 }));
    const org = await createOrg(w.database.db, { webhookUrl: r.url });
    const id = await enqueueEvent(w.database.db, w.boss, org.id);
    const [first, second] = await r.waitFor(2, 15_000);
    const gap = (second?.at ?? 0) - (first?.at ?? 0);
    // The backoff alone would retry within 2 s.
    expect(gap).toBeGreaterThanOrEqual(3900);
    expect(gap).toBeLessThan(7000);
    await eventually(async () => ((await findEvent(w.database.db, id)).status === 'delivered' ? true : null));
    const attempts = await findAttempts(w.database.db, id);
    expect(attempts.map((a) => a.status_code)).toEqual([429, 200]);
  }, 20_000);

  test('a 503 with Retry-After as an HTTP date waits until then', async () => {
    const r = await receiver((_req, i) =>
      i === 0 ? { status: 503, headers: { 'retry-after': new Date(Date.now() + 4000).toUTCString() } } : { status: 200 },
    );
    const org = await createOrg(w.database.db, { webhookUrl: r.url });
    await enqueueEvent(w.database.db, w.boss, org.id);
    const [first, second] = await r.waitFor(2, 15_000);
    // An HTTP date has whole seconds, so "4 s from now" is 3 to 5 s away.
    expect((second?.at ?? 0) - (first?.at ?? 0)).toBeGreaterThanOrEqual(2500);
  }, 20_000);

  test('an event acknowledged while a retry is pending is not delivered again', async () => {
    const r = await receiver(() => ({ status: 500 }));
    const org = await createOrg(w.database.db, { webhookUrl: r.url });
    const id = await enqueueEvent(w.database.db, w.boss, org.id);
    await eventually(async () => ((await findAttempts(w.database.db, id)).length === 1 ? true : null));
    // What POST /api/ack/:id does: the pending delivery is cancelled, and its retry job with it.
    await w.database.db.transaction().execute((trx) => acknowledgeEvents(w.boss, trx, org.id, [id]));
    expect((await findJobs(w.boss, DELIVERY_QUEUE, id))[0]?.state).toBe('cancelled');
    expect((await findDeliveries(w.database.db, id))[0]).toMatchObject({ status: 'cancelled', attempts: 1 });

    // The retry would have come due within 2 s.
    await sleep(2500);
    expect(r.requests).toHaveLength(1);
    const event = await findEvent(w.database.db, id);
    expect(event).toMatchObject({ status: 'delivered', attempts: 1 });
    expect(event.acknowledged_at).toBeInstanceOf(Date);
  }, 20_000);

  test("an event acknowledged behind the lifecycle's back is cancelled, unsent, when its retry comes", async () => {
    const r = await receiver(() => ({ status: 500 }));
    const org = await createOrg(w.database.db, { webhookUrl: r.url });
    const id = await enqueueEvent(w.database.db, w.boss, org.id);
    await eventually(async () => ((await findAttempts(w.database.db, id)).length === 1 ? true : null));
    await sql`UPDATE events SET status = 'delivered', acknowledged_at = now() WHERE id = ${id}`.execute(w.database.db);

    await eventually(async () => ((await findJobs(w.boss, DELIVERY_QUEUE, id))[0]?.state === 'completed' ? true : null), 10_000);
    expect(r.requests).toHaveLength(1);
    expect((await findDeliveries(w.database.db, id))[0]).toMatchObject({ status: 'cancelled', attempts: 1 });
    expect(await findEvent(w.database.db, id)).toMatchObject({ status: 'delivered', attempts: 1 });
  }, 20_000);
});
