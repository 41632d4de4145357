import { afterAll, beforeAll, describe, expect, test } from '@jest/globals';
import { createTestDatabase } from '@triggers/testing';
import { sql } from 'kysely';
import { createOrg, createSubscription, enqueueEvents } from './helpers/fixtures.js';
import { eventually, type Receiver, sleep, startReceiver } from './helpers/receiver.js';
import { startWorker, type TestWorker } from './helpers/worker.js';

let a: TestWorker;
let b: TestWorker;
let r: Receiver;
const targets: Receiver[] = [];

beforeAll(async () => {
  const url = await createTestDatabase();
  // A receiver in this (busy) test process may take seconds to answer; a timeout would be a
  // legitimate second delivery, so "exactly once" needs one long enough never to fire.
  const env = { WEBHOOK_TIMEOUT_MS: '30000' };
  a = await startWorker(url, env);
  b = await startWorker(url, env);
  r = await startReceiver();
  for (let i = 0; i < 3; i++) targets.push(await startReceiver());
});

afterAll(async () => {
  await Promise.all([a.stop(), b.stop()]);
  await Promise.all([r, ...targets].map((t) => t.close()));
});

async function deliveredBy(w: TestWorker): Promise<number> {
  const metric = await w.worker.metrics.deliveries.get();
  return metric.values.find((v) => v.labels.outcome === 'delivered')?.value ?? 0;
}

describe('two workers on one database', () => {
  test('share 500 events and deliver each exactly once', async () => {
    const org = await createOrg(a.database.db, { webhookUrl: r.url });
    const ids: string[] = [];
    for (let i = 0; i < 5; i++) {
      ids.push(
        ...(await enqueueEvents(
          a.database.db,
          a.boss,
          org.id,
          Array.from({ length: 100 }, (_, n) => ({ payload: { n } })),
        )),
      );
    }
    await eventually(async () => {
      const { rows } = await sql<{ n: number }>`SELECT count(*)::int AS n FROM events WHERE status = 'delivered'`.execute(
        a.database.db,
      );
      return rows[0]?.n === 500 ? true : null;
    }, 90_000);
    await sleep(300);

    const received = r.requests.map((q) => String(q.headers['webhook-id']));
    expect(received).toHaveLength(500);
    expect(new Set(received)).toEqual(new Set(ids));
    const { rows } = await sql<{ attempts: number; events: number }>`
      SELECT (SELECT count(*)::int FROM delivery_attempts) AS attempts,
             (SELECT count(*)::int FROM events WHERE attempts = 1) AS events`.execute(a.database.db);
    expect(rows[0]).toEqual({ attempts: 500, events: 500 });
    const [byA, byB] = [await deliveredBy(a), await deliveredBy(b)];
    expect(byA + byB).toBe(500);
    expect(byA).toBeGreaterThan(0);
    expect(byB).toBeGreaterThan(0);
  }, 100_000);

  test('with three subscriptions over 500 events, deliver every (event, subscription) exactly once', async () => {
    const org = await createOrg(a.database.db, { webhookUrl: null });
    const subs = await Promise.all(targets.map((t) => createSubscription(a.database.db, org.id, { url: t.url })));
    const ids: string[] = [];
    for (let i = 0; i < 5; i++) {
      ids.push(
        ...(await enqueueEvents(
          a.database.db,
          a.boss,
          org.id,
          Array.from({ length: 100 }, (_, n) => ({ payload: { n } })),
        )),
      );
    }
    await eventually(async () => {
      const { rows } = await sql<{ n: number }>`
        SELECT count(*)::int AS n FROM deliveries WHERE org_id = ${org.id} AND status = 'delivered'`.execute(a.database.db);
      return rows[0]?.n === 1500 ? true : null;
    }, 120_000);
    await sleep(300);

    for (const [i, t] of targets.entries()) {
      const received = t.requests.map((q) => String(q.headers['webhook-id']));
      expect(received).toHaveLength(500);
      expect(new Set(received)).toEqual(new Set(ids));
      expect(new Set(t.requests.map((q) => q.headers['x-subscription-id']))).toEqual(new Set([subs[i]?.id]));
    }
    const { rows } = await sql<{ attempts: number; events: number }>`
      SELECT (SELECT count(*)::int FROM delivery_attempts a JOIN events e ON e.id = a.event_id WHERE e.org_id = ${org.id}) AS attempts,
             (SELECT count(*)::int FROM events WHERE org_id = ${org.id} AND status = 'delivered' AND attempts = 3) AS events`.execute(
      a.database.db,
    );
    expect(rows[0]).toEqual({ attempts: 1500, events: 500 });
  }, 130_000);
});
