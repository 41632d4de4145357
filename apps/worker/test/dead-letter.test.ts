import { afterAll, beforeAll, describe, expect, test } from '@jest/globals';
import { requeueEvents } from '@triggers/delivery';
import { DEAD_LETTER_QUEUE, DELIVERY_QUEUE } from '@triggers/queue';
import { createTestDatabase } from '@triggers/testing';
import { createOrg, enqueueEvent, findAttempts, findDeliveries, findEvent, findJobs } from './helpers/fixtures.js';
import { eventually, type Receiver, startReceiver } from './helpers/receiver.js';
import { startWorker, type TestWorker } from './helpers/worker.js';

let w: TestWorker;
let r: Receiver;
let healthy = false;

beforeAll(async () => {
  w = await startWorker(await createTestDatabase(), { WEBHOOK_MAX_ATTEMPTS: '3' });
  r = await startReceiver(() => (healthy ? { status: 204 } : { status: 503, body: 'maintenance' }));
});

afterAll(async () => {
  await w.stop();
  await r.close();
});

describe('the dead-letter queue', () => {
  test('after WEBHOOK_MAX_ATTEMPTS failures the delivery and event are failed and the job is dead-lettered; a redelivery starts a new round', async () => {
    const org = await createOrg(w.database.db, { webhookUrl: r.url });
    const id = await enqueueEvent(w.database.db, w.boss, org.id);

    const event = await eventually(async () => {
      const e = await findEvent(w.database.db, id);
      return e.status === 'failed' ? e : null;
    }, 20_000);
    expect(event).toMatchObject({ attempts: 3, last_error: 'HTTP 503: maintenance', delivered_at: null });
    expect(await findDeliveries(w.database.db, id)).toMatchObject([
      { subscription_id: org.subscriptionId, status: 'failed', attempts: 3, last_error: 'HTTP 503: maintenance' },
    ]);
    expect((await findAttempts(w.database.db, id)).map((a) => a.attempt)).toEqual([1, 2, 3]);
    expect(r.requests).toHaveLength(3);

    const [original] = await findJobs(w.boss, DELIVERY_QUEUE, id);
    expect(original).toMatchObject({ state: 'failed', retryCount: 2, retryLimit: 2 });
    const [dead] = await findJobs(w.boss, DEAD_LETTER_QUEUE, id);
    expect(dead).toMatchObject({ sourceName: DELIVERY_QUEUE, sourceId: original?.id });
    expect(dead?.data).toMatchObject({ eventId: id, orgId: org.id, subscriptionId: org.subscriptionId });

    // Ops fix the receiver and redeliver (POST /api/events/:id/redeliver, or npm run redrive): a new
    // round of attempts on a fresh job; the attempt count goes on.
    healthy = true;
    await w.database.db.transaction().execute((trx) => requeueEvents(w.boss, trx, org.id, [id]));
    const after = await eventually(async () => {
      const e = await findEvent(w.database.db, id);
      return e.status === 'delivered' ? e : null;
    });
    expect(after).toMatchObject({ attempts: 4, last_error: null });
    expect(r.requests.at(-1)?.headers['x-delivery-attempt']).toBe('4');
  }, 40_000);
});
