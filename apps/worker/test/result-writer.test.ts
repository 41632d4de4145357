import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, test } from '@jest/globals';
import type { DeliveryOutcome } from '@triggers/delivery';
import { createTestDatabase } from '@triggers/testing';
import { ResultWriter } from '../src/delivery/result-writer.js';
import { createOrg, createSubscription, enqueueEvents, findAttempts, findDeliveries } from './helpers/fixtures.js';
import { eventually } from './helpers/receiver.js';
import { startWorker, type TestWorker } from './helpers/worker.js';

let w: TestWorker;

beforeAll(async () => {
  w = await startWorker(await createTestDatabase());
});

afterAll(async () => {
  await w.stop();
});

describe('the result writer', () => {
  test('an outcome that cannot be stored (an error text with a NUL) fails alone: the others in its group commit', async () => {
    const org = await createOrg(w.database.db, { webhookUrl: null });
    // Paused: the fan-out creates the deliveries with no job, so no worker touches them.
    const sub = await createSubscription(w.database.db, org.id, { url: 'http://127.0.0.1:9/', status: 'paused' });
    const ids = await enqueueEvents(w.database.db, w.boss, org.id, [{}, {}, {}, {}]);
    const deliveries = await eventually(async () => {
      const all = (await Promise.all(ids.map((id) => findDeliveries(w.database.db, id)))).flat();
      return all.length === ids.length ? all : null;
    });
    // Each delivery on a job of its own, as if a worker had fetched it.
    const outcomes: DeliveryOutcome[] = [];
    for (const [i, d] of deliveries.entries()) {
      const jobId = randomUUID();
      await w.database.db.updateTable('deliveries').set({ job_id: jobId }).where('id', '=', d.id).execute();
      outcomes.push({
        job: { id: jobId, retryCount: 0, retryLimit: 4 },
        deliveryId: d.id,
        eventId: d.event_id,
        subscriptionId: sub.id,
        orgId: org.id,
        effect: 'retrying',
        retryAt: new Date(Date.now() + 60_000),
        attempt: {
          attempt: 1,
          statusCode: 500,
          error: i === 2 ? 'HTTP 500: \u0000 poisoned' : `HTTP 500: plain ${i}`,
          durationMs: 5,
          attemptedAt: new Date(),
        },
      });
    }

    const writer = new ResultWriter({
      db: w.database.db,
      boss: w.boss,
      settings: { disableAfterHours: 120, breaker: { failureThreshold: 10, cooloffSeconds: 60 } },
    });
    // Submitted in one tick: the first commits alone, the other three share a transaction.
    const results = await Promise.allSettled(outcomes.map((o) => writer.submit(o)));
    expect(results.map((r) => r.status)).toEqual(['fulfilled', 'fulfilled', 'rejected', 'fulfilled']);

    for (const [i, id] of ids.entries()) {
      const [delivery] = await findDeliveries(w.database.db, id);
      const attempts = await findAttempts(w.database.db, id);
      if (i === 2) {
        expect(delivery).toMatchObject({ attempts: 0, last_error: null });
        expect(attempts).toHaveLength(0);
      } else {
        expect(delivery).toMatchObject({ status: 'pending', attempts: 1, last_error: `HTTP 500: plain ${i}` });
        expect(attempts).toHaveLength(1);
      }
    }
  });
});
