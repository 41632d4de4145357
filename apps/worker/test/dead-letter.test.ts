import { afterAll, beforeAll, describe, expect, test } from '@jest/globals';
import { DEAD_LETTER_QUEUE, DELIVERY_QUEUE } from '@triggers/queue';
import { createTestDatabase } from '@triggers/testing';
import { createOrg, enqueueEvent, findAttempts, findEvent, findJobs } from './helpers/fixtures.js';
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
  test('after WEBHOOK_MAX_ATTEMPTS failures the event is failed and its job waits in the dead-letter queue; a redrive delivers it', async () => {
    const org = await createOrg(w.database.db, { webhookUrl: r.url });
    const id = await enqueueEvent(w.database.db, w.boss, org.id);

    const event = await eventually(async () => {
      const e = await findEvent(w.database.db, id);
      return e.status === 'failed' ? e : null;
    }, 20_000);
    expect(event).toMatchObject({ attempts: 3, last_error: 'HTTP 503: maintenance', delivered_at: null });
    expect((await findAttempts(w.database.db, id)).map((a) => a.attempt)).toEqual([1, 2, 3]);
    expect(r.requests).toHaveLength(3);

    const [original] = await findJobs(w.boss, DELIVERY_QUEUE, id);
    expect(original).toMatchObject({ state: 'failed', retryCount: 2, retryLimit: 2 });
    const [dead] = await findJobs(w.boss, DEAD_LETTER_QUEUE, id);
    expect(dead).toMatchObject({ state: 'created', sourceName: DELIVERY_QUEUE, sourceId: original?.id });
    expect(dead?.data).toEqual({ eventId: id, orgId: org.id });

    // Ops fix the receiver and redrive: the job goes back to the delivery queue and the count goes on.
    healthy = true;
    expect(await w.boss.redrive(DEAD_LETTER_QUEUE)).toBe(1);
    const after = await eventually(async () => {
      const e = await findEvent(w.database.db, id);
      return e.status === 'delivered' ? e : null;
    });
    expect(after).toMatchObject({ attempts: 4, last_error: null });
    expect(r.requests.at(-1)?.headers['x-delivery-attempt']).toBe('4');
  }, 40_000);
});
