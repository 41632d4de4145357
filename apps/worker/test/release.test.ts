import { afterAll, beforeAll, describe, expect, test } from '@jest/globals';
import { DELIVERY_QUEUE } from '@triggers/queue';
import { createTestDatabase } from '@triggers/testing';
import { createOrg, enqueueEvent, findAttempts, findEvent, findJobs } from './helpers/fixtures.js';
import { eventually, type Receiver, startReceiver } from './helpers/receiver.js';
import { startWorker, type TestWorker } from './helpers/worker.js';

let url: string;
let r: Receiver;
const workers: TestWorker[] = [];

beforeAll(async () => {
  url = await createTestDatabase();
  r = await startReceiver((_req, i) => (i === 0 ? 'hang' : { status: 200 }));
});

afterAll(async () => {
  await Promise.all(workers.map((w) => w.stop()));
  await r.close();
});

describe('stopping a worker', () => {
  test('a delivery still in flight at the stop deadline is abandoned and its job released to another worker', async () => {
    const env = { WEBHOOK_TIMEOUT_MS: '20000' };
    const first = await startWorker(url, env);
    const org = await createOrg(first.database.db, { webhookUrl: r.url });
    const id = await enqueueEvent(first.database.db, first.boss, org.id);
    await r.waitFor(1);

    const stopping = Date.now();
    await first.worker.stop(300);
    expect(Date.now() - stopping).toBeLessThan(3000);
    // The abandoned job was completed and its delivery put on a fresh job with every retry left:
    // the release did not use up an attempt.
    const [fresh, abandoned] = await findJobs(first.boss, DELIVERY_QUEUE, id);
    expect(abandoned).toMatchObject({ state: 'completed', retryCount: 0 });
    expect(fresh).toMatchObject({ state: 'created', retryCount: 0, retryLimit: 4 });
    await first.boss.stop({ graceful: false, close: true });
    await first.database.close();
    const second = await startWorker(url, env);
    workers.push(second);

    const event = await eventually(async () => {
      const e = await findEvent(second.database.db, id);
      return e.status === 'delivered' ? e : null;
    });
    // The abandoned request was not an attempt: the count starts with the delivery that landed.
    expect(event.attempts).toBe(1);
    expect((await findAttempts(second.database.db, id)).map((a) => a.status_code)).toEqual([200]);
    expect(r.requests).toHaveLength(2);
  });
});
