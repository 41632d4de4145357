import { afterAll, beforeAll, describe, expect, test } from '@jest/globals';
import { connect, type DbHandle, MIGRATIONS_DIR, migrateToLatest, SqlFileMigrationProvider, uuidv7 } from '@triggers/db';
import { createBoss, DELIVERY_QUEUE, type PgBoss } from '@triggers/queue';
import { createEmptyDatabase, testConfig } from '@triggers/testing';
import { generateWebhookSecret } from '@triggers/webhooks';
import { type Kysely, sql } from 'kysely';
import { Migrator } from 'kysely/migration';
import { Webhook } from 'standardwebhooks';
import { eventually, type Receiver, startReceiver } from './helpers/receiver.js';
import { startWorker, type TestWorker } from './helpers/worker.js';

let url: string;
let database: DbHandle;
let boss: PgBoss;
let r: Receiver;
let w: TestWorker | undefined;

// biome-ignore lint/suspicious/noExplicitAny: the v1 schema is not the current Database type
const v1 = () => database.db as unknown as Kysely<any>;

beforeAll(async () => {
  url = await createEmptyDatabase();
  database = connect({ connectionString: url, max: 3 });
  r = await startReceiver();
});

afterAll(async () => {
  await w?.stop();
  await boss?.stop({ graceful: false, close: true });
  await database.close();
  await r.close();
});

describe('migration 0002 on a database filled through the v1 schema', () => {
  const hooked = { id: '', secret: generateWebhookSecret(), previous: generateWebhookSecret() };
  const plain = { id: '' };
  const events = { pending: uuidv7(), failed: uuidv7(), delivered: uuidv7(), acked: uuidv7(), inbox: uuidv7() };
  let v1Job = '';

  test('v1: organizations with webhook columns, events, attempts and a queued v1 job', async () => {
    const migrator = new Migrator({ db: database.db, provider: new SqlFileMigrationProvider(MIGRATIONS_DIR) });
    const { error } = await migrator.migrateTo('0001_initial_schema');
    expect(error).toBeUndefined();
    // pg-boss's schema and the v1 delivery queue, as a v1 deployment has them.
    boss = createBoss(testConfig(url), { instanceName: 'v1', max: 2, extra: { registerInstance: false } });
    boss.on('error', () => {});
    await boss.start();
    await boss.createQueue(DELIVERY_QUEUE);

    const [a, b] = await v1()
      .insertInto('organizations')
      .values([
        {
          name: 'Hooked',
          key_prefix: 'zap_live_v1hooked0000',
          key_hash: 'x',
          webhook_url: r.url,
          webhook_secret: hooked.secret,
          previous_webhook_secret: hooked.previous,
          previous_secret_expires_at: new Date(Date.now() + 3600_000),
        },
        { name: 'Plain', key_prefix: 'zap_live_v1plain00000', key_hash: 'x' },
      ])
      .returning('id')
      .execute();
    hooked.id = a?.id;
    plain.id = b?.id;
    const event = (id: string, org: string, status: string, extra: Record<string, unknown> = {}) => ({
      id,
      org_id: org,
      type: 'order.created',
      payload: sql`'{"v":1}'::jsonb`,
      status,
      ...extra,
    });
    await v1()
      .insertInto('events')
      .values([
        event(events.pending, hooked.id, 'pending', { attempts: 2, last_error: 'HTTP 503' }),
        event(events.failed, hooked.id, 'failed', { attempts: 5, last_error: 'timeout' }),
        event(events.delivered, hooked.id, 'delivered', { attempts: 1, delivered_at: new Date() }),
        event(events.acked, hooked.id, 'delivered', { acknowledged_at: new Date(), delivered_at: new Date() }),
        event(events.inbox, plain.id, 'pending'),
      ])
      .execute();
    await v1()
      .insertInto('delivery_attempts')
      .values([
        { event_id: events.pending, attempt: 1, status_code: 503, error: 'HTTP 503', duration_ms: 5 },
        { event_id: events.pending, attempt: 2, status_code: 503, error: 'HTTP 503', duration_ms: 5 },
      ])
      .execute();
    v1Job = (await boss.send(DELIVERY_QUEUE, { eventId: events.pending, orgId: hooked.id })) as string;
    expect(v1Job).toEqual(expect.any(String));
  });

  test('migrating to the latest keeps every row and turns the webhook into a default subscription', async () => {
    expect(await migrateToLatest(database.db)).toContain('0002_subscriptions');

    const subscriptions = await database.db.selectFrom('subscriptions').selectAll().execute();
    expect(subscriptions).toHaveLength(1);
    const sub = subscriptions[0];
    expect(sub).toMatchObject({
      org_id: hooked.id,
      target_url: r.url,
      event_types: ['*'],
      is_default: true,
      status: 'active',
      secret: hooked.secret,
      previous_secret: hooked.previous,
    });
    // The columns are gone.
    const { rows: columns } = await sql<{ column_name: string }>`
      SELECT column_name FROM information_schema.columns WHERE table_name = 'organizations'`.execute(database.db);
    expect(columns.map((c) => c.column_name)).not.toEqual(expect.arrayContaining(['webhook_url']));
    expect(columns.map((c) => c.column_name).filter((c) => c.includes('webhook') || c.includes('secret'))).toEqual([]);

    // Every event stays; those not yet delivered get a delivery of the default subscription.
    expect(await database.db.selectFrom('events').select('id').execute()).toHaveLength(5);
    const deliveries = await database.db.selectFrom('deliveries').selectAll().orderBy('event_id').execute();
    expect(deliveries.map((d) => [d.event_id, d.status, d.attempts, d.last_error])).toEqual(
      [
        [events.pending, 'pending', 2, 'HTTP 503'],
        [events.failed, 'failed', 5, 'timeout'],
      ].sort((x, y) => String(x[0]).localeCompare(String(y[0]))),
    );
    const attempts = await database.db.selectFrom('delivery_attempts').selectAll().execute();
    expect(attempts.map((a) => a.subscription_id)).toEqual([sub?.id, sub?.id]);

    // The queued v1 job now carries its delivery and is grouped by the subscription.
    const pending = deliveries.find((d) => d.event_id === events.pending);
    expect(pending?.job_id).toBe(v1Job);
    const { rows: jobs } = await sql<{ data: Record<string, string>; group_id: string }>`
      SELECT data, group_id FROM pgboss.job WHERE id = ${v1Job}`.execute(database.db);
    expect(jobs[0]).toEqual({
      data: { eventId: events.pending, orgId: hooked.id, deliveryId: pending?.id, subscriptionId: sub?.id },
      group_id: sub?.id,
    });
  });

  test('a v2 worker delivers the queued v1 event to the default subscription, signed with its secret', async () => {
    await boss.stop({ graceful: false, close: true });
    w = await startWorker(url);
    const [request] = await r.waitFor(1);
    const headers = request?.headers ?? {};
    expect(headers['webhook-id']).toBe(events.pending);
    expect(headers['x-delivery-attempt']).toBe('3');
    const verified = new Webhook(hooked.secret).verify(request?.body ?? '', {
      'webhook-id': String(headers['webhook-id']),
      'webhook-timestamp': String(headers['webhook-timestamp']),
      'webhook-signature': String(headers['webhook-signature']),
    });
    expect(verified).toMatchObject({ event_id: events.pending, data: { v: 1 }, attempt: 3 });
    const event = await eventually(async () => {
      const e = await database.db.selectFrom('events').selectAll().where('id', '=', events.pending).executeTakeFirstOrThrow();
      return e.status === 'delivered' ? e : null;
    });
    expect(event.attempts).toBe(3);
  });
});
