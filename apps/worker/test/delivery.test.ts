import { afterAll, beforeAll, describe, expect, test } from '@jest/globals';
import { VERSION } from '@triggers/config';
import { DELIVERY_QUEUE, FANOUT_QUEUE } from '@triggers/queue';
import { createTestDatabase } from '@triggers/testing';
import { generateWebhookSecret } from '@triggers/webhooks';
import { Webhook } from 'standardwebhooks';
import { createOrg, enqueueEvent, enqueueEvents, findAttempts, findEvent, findJobs } from './helpers/fixtures.js';
import { eventually, receiverPool } from './helpers/receiver.js';
import { startWorker, type TestWorker } from './helpers/worker.js';

let w: TestWorker;
const receivers = receiverPool();
const receiver = receivers.start;

beforeAll(async () => {
  w = await startWorker(await createTestDatabase(), { WEBHOOK_MAX_ATTEMPTS: '2', WEBHOOK_TIMEOUT_MS: '500' });
});

afterAll(async () => {
  await w.stop();
  await receivers.closeAll();
});

const delivered = (id: string) =>
  eventually(async () => ((await findEvent(w.database.db, id)).status === 'delivered' ? true : null));

describe('a successful delivery', () => {
  test("carries the contract's body and headers, and a receiver using standardwebhooks verifies it", async () => {
    const r = await receiver();
    const org = await createOrg(w.database.db, { webhookUrl: r.url });
    const id = await enqueueEvent(w.database.db, w.boss, org.id, { order: 42, note: 'ünïcode' });
    const [request] = await r.waitFor(1);
    const event = await findEvent(w.database.db, id);

    expect(request?.method).toBe('POST');
    const headers = request?.headers ?? {};
    const verified = new Webhook(org.secret).verify(request?.body ?? '', {
      'webhook-id': String(headers['webhook-id']),
      'webhook-timestamp': String(headers['webhook-timestamp']),
      'webhook-signature': String(headers['webhook-signature']),
    });
    expect(verified).toEqual({
      event_id: id,
      type: 'order.created',
      data: { order: 42, note: 'ünïcode' },
      created_at: event.created_at.toISOString(),
      attempt: 1,
    });
    expect(headers['content-type']).toBe('application/json');
    expect(headers['user-agent']).toBe(`triggers-api/${VERSION}`);
    expect(headers['x-event-id']).toBe(id);
    expect(headers['x-event-type']).toBe('order.created');
    expect(headers['x-delivery-attempt']).toBe('1');
    expect(headers['webhook-id']).toBe(id);
    expect(Math.abs(Number(headers['webhook-timestamp']) - Date.now() / 1000)).toBeLessThan(30);
  });

  test('marks the event delivered, records the attempt and completes the job', async () => {
    const r = await receiver();
    const org = await createOrg(w.database.db, { webhookUrl: r.url });
    const id = await enqueueEvent(w.database.db, w.boss, org.id);
    await delivered(id);

    const event = await findEvent(w.database.db, id);
    expect(event).toMatchObject({ status: 'delivered', attempts: 1, last_error: null });
    expect(event.delivered_at).toBeInstanceOf(Date);
    const attempts = await findAttempts(w.database.db, id);
    expect(attempts).toHaveLength(1);
    expect(attempts[0]).toMatchObject({ attempt: 1, status_code: 200, error: null });
    expect(attempts[0]?.duration_ms).toBeGreaterThanOrEqual(0);
    const [job] = await eventually(async () => {
      const jobs = await findJobs(w.boss, DELIVERY_QUEUE, id);
      return jobs[0]?.state === 'completed' ? jobs : null;
    });
    expect(job?.state).toBe('completed');
  });

  test('during a secret rotation carries two signatures, and each secret verifies it', async () => {
    const r = await receiver();
    const previous = generateWebhookSecret();
    const org = await createOrg(w.database.db, {
      webhookUrl: r.url,
      previousSecret: previous,
      previousExpiresAt: new Date(Date.now() + 3600_000),
    });
    await enqueueEvent(w.database.db, w.boss, org.id);
    const [request] = await r.waitFor(1);
    const headers = request?.headers ?? {};
    const signed = {
      'webhook-id': String(headers['webhook-id']),
      'webhook-timestamp': String(headers['webhook-timestamp']),
      'webhook-signature': String(headers['webhook-signature']),
    };
    expect(signed['webhook-signature'].split(' ')).toHaveLength(2);
    expect(() => new Webhook(org.secret).verify(request?.body ?? '', signed)).not.toThrow();
    expect(() => new Webhook(previous).verify(request?.body ?? '', signed)).not.toThrow();
    expect(() => new Webhook(generateWebhookSecret()).verify(request?.body ?? '', signed)).toThrow();
  });

  test('after the rotation grace has passed carries only the current signature', async () => {
    const r = await receiver();
    const previous = generateWebhookSecret();
    const org = await createOrg(w.database.db, {
      webhookUrl: r.url,
      previousSecret: previous,
      previousExpiresAt: new Date(Date.now() - 1000),
    });
    await enqueueEvent(w.database.db, w.boss, org.id);
    const [request] = await r.waitFor(1);
    const signature = String(request?.headers['webhook-signature']);
    expect(signature.split(' ')).toHaveLength(1);
    expect(signature).toMatch(/^v1,/);
  });
});

describe('an event with nothing to deliver', () => {
  test('with no subscription stays pending in the inbox: its fan-out job completes and queues no delivery', async () => {
    const org = await createOrg(w.database.db, { webhookUrl: null });
    const id = await enqueueEvent(w.database.db, w.boss, org.id);
    await eventually(async () => ((await findJobs(w.boss, FANOUT_QUEUE, id))[0]?.state === 'completed' ? true : null));
    expect(await findJobs(w.boss, DELIVERY_QUEUE, id)).toEqual([]);
    expect(await findEvent(w.database.db, id)).toMatchObject({ status: 'pending', attempts: 0 });
    expect(await findAttempts(w.database.db, id)).toHaveLength(0);
  });

  test('that was acknowledged before its fan-out ran gets no delivery and is not sent', async () => {
    const r = await receiver();
    const org = await createOrg(w.database.db, { webhookUrl: r.url });
    const [acked, fresh] = await enqueueEvents(w.database.db, w.boss, org.id, [{ acknowledged: true }, {}]);
    await delivered(fresh as string);
    await eventually(async () =>
      (await findJobs(w.boss, FANOUT_QUEUE, acked as string))[0]?.state === 'completed' ? true : null,
    );
    expect(await findJobs(w.boss, DELIVERY_QUEUE, acked as string)).toEqual([]);
    expect(r.requests.map((q) => q.headers['webhook-id'])).toEqual([fresh]);
    expect(await findAttempts(w.database.db, acked as string)).toHaveLength(0);
  });
});

describe('a failed attempt', () => {
  test('a 302 is a failure and the redirect is not followed', async () => {
    const target = await receiver();
    const r = await receiver(() => ({ status: 302, headers: { location: target.url } }));
    const org = await createOrg(w.database.db, { webhookUrl: r.url });
    const id = await enqueueEvent(w.database.db, w.boss, org.id);
    const [attempt] = await eventually(async () => {
      const attempts = await findAttempts(w.database.db, id);
      return attempts.length >= 1 ? attempts : null;
    });
    expect(attempt).toMatchObject({ attempt: 1, status_code: 302 });
    expect(attempt?.error).toContain('HTTP 302');
    expect(target.requests).toHaveLength(0);
    expect((await findEvent(w.database.db, id)).status).not.toBe('delivered');
  });

  test('a receiver that hangs past WEBHOOK_TIMEOUT_MS is a failure with a timeout error', async () => {
    const r = await receiver(() => 'hang');
    const org = await createOrg(w.database.db, { webhookUrl: r.url });
    const id = await enqueueEvent(w.database.db, w.boss, org.id);
    const [attempt] = await eventually(async () => {
      const attempts = await findAttempts(w.database.db, id);
      return attempts.length >= 1 ? attempts : null;
    });
    expect(attempt).toMatchObject({ attempt: 1, status_code: null });
    expect(attempt?.error).toMatch(/^timeout/);
    expect(attempt?.duration_ms).toBeGreaterThanOrEqual(450);
    expect(attempt?.duration_ms).toBeLessThan(2000);
    const event = await findEvent(w.database.db, id);
    expect(event.last_error).toMatch(/^timeout/);
  });

  test('after the last attempt the event is failed with its last error kept', async () => {
    const r = await receiver(() => ({ status: 500, body: 'database on fire' }));
    const org = await createOrg(w.database.db, { webhookUrl: r.url });
    const id = await enqueueEvent(w.database.db, w.boss, org.id);
    const event = await eventually(async () => {
      const e = await findEvent(w.database.db, id);
      return e.status === 'failed' ? e : null;
    });
    expect(event).toMatchObject({ attempts: 2, last_error: 'HTTP 500: database on fire' });
    expect(await findAttempts(w.database.db, id)).toHaveLength(2);
    expect(r.requests.map((q) => q.headers['x-delivery-attempt'])).toEqual(['1', '2']);
  });
});

describe('410 Gone', () => {
  test("disables the organization's default webhook, fails the event without retrying and leaves later events in the inbox", async () => {
    const r = await receiver(() => ({ status: 410 }));
    const org = await createOrg(w.database.db, { webhookUrl: r.url });
    const id = await enqueueEvent(w.database.db, w.boss, org.id);
    await eventually(async () => ((await findEvent(w.database.db, id)).status === 'failed' ? true : null));
    const row = await w.database.db
      .selectFrom('subscriptions')
      .select(['status', 'disabled_reason'])
      .where('org_id', '=', org.id)
      .executeTakeFirstOrThrow();
    expect(row).toEqual({ status: 'disabled', disabled_reason: 'gone' });
    expect((await findJobs(w.boss, DELIVERY_QUEUE, id))[0]?.state).toBe('completed');
    expect(await findAttempts(w.database.db, id)).toHaveLength(1);

    // A disabled subscription gets no new deliveries: the next event waits in the inbox.
    const later = await enqueueEvent(w.database.db, w.boss, org.id);
    await eventually(async () => ((await findJobs(w.boss, FANOUT_QUEUE, later))[0]?.state === 'completed' ? true : null));
    expect(await findEvent(w.database.db, later)).toMatchObject({ status: 'pending', attempts: 0 });
    expect(await findJobs(w.boss, DELIVERY_QUEUE, later)).toEqual([]);
    expect(r.requests).toHaveLength(1);
  });
});
