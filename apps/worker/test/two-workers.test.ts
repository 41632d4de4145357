import { afterAll, beforeAll, describe, expect, test } from '@jest/globals';
import { createTestDatabase } from '@triggers/testing';
import { sql } from 'kysely';
import { createOrg, enqueueEvents } from './helpers/fixtures.js';
import { eventually, type Receiver, sleep, startReceiver } from './helpers/receiver.js';
import { startWorker, type TestWorker } from './helpers/worker.js';

let a: TestWorker;
let b: TestWorker;
let r: Receiver;

beforeAll(async () => {
  const url = await createTestDatabase();
  a = await startWorker(url);
  b = await startWorker(url);
  r = await startReceiver();
});

afterAll(async () => {
  await Promise.all([a.stop(), b.stop()]);
  await r.close();
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
    }, 30_000);
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
  }, 40_000);
});
