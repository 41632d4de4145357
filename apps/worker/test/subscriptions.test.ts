import { afterAll, beforeAll, describe, expect, test } from '@jest/globals';
import { deleteSubscription, updateSubscription } from '@triggers/delivery';
import { DELIVERY_QUEUE, FANOUT_QUEUE } from '@triggers/queue';
import { createTestDatabase } from '@triggers/testing';
import { sql } from 'kysely';
import { Webhook } from 'standardwebhooks';
import {
  createOrg,
  createSubscription,
  enqueueEvent,
  findAttempts,
  findDeliveries,
  findEvent,
  findJobs,
} from './helpers/fixtures.js';
import { eventually, receiverPool, sleep } from './helpers/receiver.js';
import { startWorker, type TestWorker } from './helpers/worker.js';

let w: TestWorker;
const receivers = receiverPool();
const receiver = receivers.start;

beforeAll(async () => {
  w = await startWorker(await createTestDatabase(), { WEBHOOK_MAX_ATTEMPTS: '3', WEBHOOK_TIMEOUT_MS: '1500' });
});

afterAll(async () => {
  await w.stop();
  await receivers.closeAll();
});

const settings = { maxAttempts: 3 };

function deliveryOf(eventId: string, subscriptionId: string) {
  return w.database.db
    .selectFrom('deliveries')
    .selectAll()
    .where('event_id', '=', eventId)
    .where('subscription_id', '=', subscriptionId)
    .executeTakeFirst();
}

function subscriptionRow(id: string) {
  return w.database.db.selectFrom('subscriptions').selectAll().where('id', '=', id).executeTakeFirstOrThrow();
}

describe('one event, several subscriptions', () => {
  test('three subscriptions each receive the event once, signed with their own secret, with X-Subscription-ID', async () => {
    const org = await createOrg(w.database.db, { webhookUrl: null });
    const targets = await Promise.all([receiver(), receiver(), receiver()]);
    const subs = await Promise.all(targets.map((r) => createSubscription(w.database.db, org.id, { url: r.url })));
    const id = await enqueueEvent(w.database.db, w.boss, org.id, { n: 1 });

    for (const [i, r] of targets.entries()) {
      const [request] = await r.waitFor(1);
      const headers = request?.headers ?? {};
      const signed = {
        'webhook-id': String(headers['webhook-id']),
        'webhook-timestamp': String(headers['webhook-timestamp']),
        'webhook-signature': String(headers['webhook-signature']),
      };
      const sub = subs[i] as { id: string; secret: string };
      expect(new Webhook(sub.secret).verify(request?.body ?? '', signed)).toMatchObject({ event_id: id, data: { n: 1 } });
      // Signed with its own secret only: another subscription's secret does not verify it.
      const other = subs[(i + 1) % 3] as { secret: string };
      expect(() => new Webhook(other.secret).verify(request?.body ?? '', signed)).toThrow();
      expect(headers['x-subscription-id']).toBe(sub.id);
      expect(headers['webhook-id']).toBe(id);
    }
    await eventually(async () => ((await findEvent(w.database.db, id)).status === 'delivered' ? true : null));
    expect((await findDeliveries(w.database.db, id)).map((d) => d.status)).toEqual(['delivered', 'delivered', 'delivered']);
    expect(await findEvent(w.database.db, id)).toMatchObject({ status: 'delivered', attempts: 3, last_error: null });
    await sleep(300);
    expect(targets.map((r) => r.requests.length)).toEqual([1, 1, 1]);
  });

  test('only subscriptions whose patterns match get a delivery', async () => {
    const org = await createOrg(w.database.db, { webhookUrl: null });
    const r = await receiver();
    const orders = await createSubscription(w.database.db, org.id, { url: r.url, eventTypes: ['order.*'] });
    await createSubscription(w.database.db, org.id, { url: r.url, eventTypes: ['invoice.paid'] });
    const id = await enqueueEvent(w.database.db, w.boss, org.id);
    await eventually(async () => ((await findEvent(w.database.db, id)).status === 'delivered' ? true : null));
    expect((await findDeliveries(w.database.db, id)).map((d) => d.subscription_id)).toEqual([orders.id]);
  });

  test('one target answering 500 and one hanging do not delay a third, which gets it at once, once', async () => {
    const org = await createOrg(w.database.db, { webhookUrl: null });
    const failing = await receiver(() => ({ status: 500 }));
    const hanging = await receiver(() => 'hang');
    const healthy = await receiver();
    const [a, b, c] = await Promise.all(
      [failing, hanging, healthy].map((r) => createSubscription(w.database.db, org.id, { url: r.url })),
    );
    const started = Date.now();
    const id = await enqueueEvent(w.database.db, w.boss, org.id);
    await healthy.waitFor(1);
    expect(Date.now() - started).toBeLessThan(1000);
    await eventually(async () => ((await deliveryOf(id, c?.id as string))?.status === 'delivered' ? true : null));

    // The others fail on their own; the event is failed once none is pending and one failed.
    const event = await eventually(async () => {
      const e = await findEvent(w.database.db, id);
      return e.status === 'failed' ? e : null;
    }, 30_000);
    expect(await deliveryOf(id, a?.id as string)).toMatchObject({ status: 'failed', attempts: 3 });
    expect(await deliveryOf(id, b?.id as string)).toMatchObject({ status: 'failed', attempts: 3 });
    expect(event.attempts).toBe(7);
    expect(healthy.requests).toHaveLength(1);
    expect(failing.requests).toHaveLength(3);
  }, 40_000);
});

describe('a paused subscription', () => {
  test('holds its deliveries (no attempt) and delivers them when active again', async () => {
    const org = await createOrg(w.database.db, { webhookUrl: null });
    const r = await receiver();
    const sub = await createSubscription(w.database.db, org.id, { url: r.url, status: 'paused' });
    const id = await enqueueEvent(w.database.db, w.boss, org.id);
    await eventually(async () => ((await findJobs(w.boss, FANOUT_QUEUE, id))[0]?.state === 'completed' ? true : null));
    // Held: a pending delivery with no job, not attempted, not counted.
    await sleep(1500);
    expect(r.requests).toHaveLength(0);
    expect(await deliveryOf(id, sub.id)).toMatchObject({ status: 'pending', attempts: 0, job_id: null });
    expect(await findEvent(w.database.db, id)).toMatchObject({ status: 'pending', attempts: 0 });

    const resumed = Date.now();
    await w.database.db
      .transaction()
      .execute((trx) => updateSubscription(w.boss, trx, org.id, sub.id, { status: 'active' }, settings));
    await r.waitFor(1, 10_000);
    expect(Date.now() - resumed).toBeLessThan(10_000);
    await eventually(async () => ((await findEvent(w.database.db, id)).status === 'delivered' ? true : null));
    expect(await deliveryOf(id, sub.id)).toMatchObject({ status: 'delivered', attempts: 1 });
  });

  test('paused between its retries, a delivery waits unattempted, then goes on where it was', async () => {
    const org = await createOrg(w.database.db, { webhookUrl: null });
    const r = await receiver((_req, i) => (i === 0 ? { status: 500 } : { status: 200 }));
    const sub = await createSubscription(w.database.db, org.id, { url: r.url });
    const id = await enqueueEvent(w.database.db, w.boss, org.id);
    await r.waitFor(1);
    await w.database.db
      .transaction()
      .execute((trx) => updateSubscription(w.boss, trx, org.id, sub.id, { status: 'paused' }, settings));
    // The retry comes due (1-2 s) and finds the subscription paused: parked, not sent, not counted.
    await eventually(async () => ((await deliveryOf(id, sub.id))?.job_id === null ? true : null), 10_000);
    expect(r.requests).toHaveLength(1);
    expect(await deliveryOf(id, sub.id)).toMatchObject({ status: 'pending', attempts: 1 });

    await w.database.db
      .transaction()
      .execute((trx) => updateSubscription(w.boss, trx, org.id, sub.id, { status: 'active' }, settings));
    await eventually(async () => ((await deliveryOf(id, sub.id))?.status === 'delivered' ? true : null));
    expect(r.requests.map((q) => q.headers['x-delivery-attempt'])).toEqual(['1', '2']);
  });

  test('a delivery left with no job while its subscription is active is queued by the periodic sweep', async () => {
    const org = await createOrg(w.database.db, { webhookUrl: null });
    const r = await receiver();
    const sub = await createSubscription(w.database.db, org.id, { url: r.url, status: 'paused' });
    const id = await enqueueEvent(w.database.db, w.boss, org.id);
    await eventually(async () => ((await deliveryOf(id, sub.id))?.job_id === null ? true : null));
    // Active behind the lifecycle's back (as a race could leave it): only the sweep can find it.
    await sql`UPDATE subscriptions SET status = 'active' WHERE id = ${sub.id}`.execute(w.database.db);
    expect(await w.worker.maintenance.runOnce('unqueued-deliveries')).toBeGreaterThanOrEqual(1);
    await r.waitFor(1);
  });
});

describe('410 Gone', () => {
  test('disables only the subscription that answered it', async () => {
    const org = await createOrg(w.database.db, { webhookUrl: null });
    const gone = await receiver(() => ({ status: 410 }));
    const fine = await receiver();
    const g = await createSubscription(w.database.db, org.id, { url: gone.url });
    const f = await createSubscription(w.database.db, org.id, { url: fine.url });
    const id = await enqueueEvent(w.database.db, w.boss, org.id);
    await eventually(async () => ((await deliveryOf(id, g.id))?.status === 'failed' ? true : null));
    expect(await subscriptionRow(g.id)).toMatchObject({ status: 'disabled', disabled_reason: 'gone' });
    expect((await subscriptionRow(g.id)).disabled_at).toBeInstanceOf(Date);
    expect(await subscriptionRow(f.id)).toMatchObject({ status: 'active', disabled_reason: null });

    const next = await enqueueEvent(w.database.db, w.boss, org.id);
    await eventually(async () => ((await findEvent(w.database.db, next)).status === 'delivered' ? true : null));
    expect((await findDeliveries(w.database.db, next)).map((d) => d.subscription_id)).toEqual([f.id]);
    expect(gone.requests).toHaveLength(1);
    expect(fine.requests).toHaveLength(2);
  });
});

describe('deleting a subscription', () => {
  test('cancels its pending deliveries and their retry jobs; nothing more is sent', async () => {
    const org = await createOrg(w.database.db, { webhookUrl: null });
    const r = await receiver(() => ({ status: 500 }));
    const sub = await createSubscription(w.database.db, org.id, { url: r.url });
    const id = await enqueueEvent(w.database.db, w.boss, org.id);
    await r.waitFor(1);
    await eventually(async () => ((await deliveryOf(id, sub.id))?.attempts === 1 ? true : null));
    await w.database.db.transaction().execute((trx) => deleteSubscription(w.boss, trx, org.id, sub.id));

    expect(await deliveryOf(id, sub.id)).toMatchObject({ status: 'cancelled', attempts: 1 });
    expect((await findJobs(w.boss, DELIVERY_QUEUE, id))[0]?.state).toBe('cancelled');
    // Only cancelled deliveries and not acknowledged: pending, in the inbox.
    expect(await findEvent(w.database.db, id)).toMatchObject({ status: 'pending' });
    await sleep(2500);
    expect(r.requests).toHaveLength(1);
  });
});

describe('auto-disable', () => {
  test('a subscription failing with no success for SUBSCRIPTION_DISABLE_AFTER_HOURS is disabled at its next failure', async () => {
    const org = await createOrg(w.database.db, { webhookUrl: null });
    const r = await receiver(() => ({ status: 503 }));
    const sub = await createSubscription(w.database.db, org.id, { url: r.url });
    // Failing since 121 hours ago (the default is 120).
    await sql`UPDATE subscriptions SET failing_since = now() - interval '121 hours' WHERE id = ${sub.id}`.execute(w.database.db);
    const id = await enqueueEvent(w.database.db, w.boss, org.id);
    await eventually(async () => ((await subscriptionRow(sub.id)).status === 'disabled' ? true : null));
    expect(await subscriptionRow(sub.id)).toMatchObject({ disabled_reason: 'failing' });
    // Its retry finds it disabled: the delivery fails without another attempt.
    await eventually(async () => ((await deliveryOf(id, sub.id))?.status === 'failed' ? true : null));
    expect(await deliveryOf(id, sub.id)).toMatchObject({ attempts: 1, last_error: 'subscription disabled' });
    expect(r.requests).toHaveLength(1);
  });

  test('a failure starts the streak and a success ends it', async () => {
    const org = await createOrg(w.database.db, { webhookUrl: null });
    const r = await receiver((_req, i) => (i === 0 ? { status: 500 } : { status: 200 }));
    const sub = await createSubscription(w.database.db, org.id, { url: r.url });
    const id = await enqueueEvent(w.database.db, w.boss, org.id);
    await eventually(async () => ((await subscriptionRow(sub.id)).failing_since !== null ? true : null));
    await eventually(async () => ((await findEvent(w.database.db, id)).status === 'delivered' ? true : null));
    expect(await subscriptionRow(sub.id)).toMatchObject({ status: 'active', failing_since: null });
  });
});

describe('fan-out', () => {
  test('run twice for one event, it creates each delivery and its job once', async () => {
    const org = await createOrg(w.database.db, { webhookUrl: null });
    const r = await receiver();
    await createSubscription(w.database.db, org.id, { url: r.url });
    const id = await enqueueEvent(w.database.db, w.boss, org.id);
    await r.waitFor(1);
    await w.boss.send(FANOUT_QUEUE, { eventId: id, orgId: org.id });
    await eventually(async () =>
      (await findJobs(w.boss, FANOUT_QUEUE, id)).every((j) => j.state === 'completed') ? true : null,
    );
    await sleep(500);
    expect(await findDeliveries(w.database.db, id)).toHaveLength(1);
    expect(await findJobs(w.boss, DELIVERY_QUEUE, id)).toHaveLength(1);
    expect(r.requests).toHaveLength(1);
    expect(await findAttempts(w.database.db, id)).toHaveLength(1);
  });
});
