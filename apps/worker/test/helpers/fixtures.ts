import { randomBytes } from 'node:crypto';
import type { Database, Db } from '@triggers/db';
import { uuidv7 } from '@triggers/db';
import { insertFanOutJobs } from '@triggers/delivery';
import type { DeliveryJob, PgBoss } from '@triggers/queue';
import { generateWebhookSecret } from '@triggers/webhooks';
import { type Kysely, sql } from 'kysely';

export interface TestOrg {
  id: string;
  /** The default subscription's secret. */
  secret: string;
  /** The default subscription (v1's webhook), when it has a URL. */
  subscriptionId?: string;
}

/**
 * An organization straight in the database, with a default subscription (v1's webhook: `["*"]`)
 * to `webhookUrl`, or none.
 */
export async function createOrg(
  db: Db,
  options: { webhookUrl: string | null; secret?: string; previousSecret?: string; previousExpiresAt?: Date },
): Promise<TestOrg> {
  const secret = options.secret ?? generateWebhookSecret();
  const row = await db
    .insertInto('organizations')
    .values({
      name: 'Worker test org',
      key_prefix: `zap_live_${randomBytes(8).toString('hex')}`,
      key_hash: 'not-a-real-hash',
    })
    .returning('id')
    .executeTakeFirstOrThrow();
  if (options.webhookUrl === null) return { id: row.id, secret };
  const subscription = await createSubscription(db, row.id, {
    url: options.webhookUrl,
    secret,
    isDefault: true,
    previousSecret: options.previousSecret,
    previousExpiresAt: options.previousExpiresAt,
  });
  return { id: row.id, secret, subscriptionId: subscription.id };
}

/** A subscription straight in the database (default: active, every event type, a fresh secret). */
export async function createSubscription(
  db: Db,
  orgId: string,
  options: {
    url: string;
    eventTypes?: string[];
    secret?: string;
    status?: 'active' | 'paused';
    isDefault?: boolean;
    previousSecret?: string;
    previousExpiresAt?: Date;
  },
): Promise<{ id: string; secret: string }> {
  const secret = options.secret ?? generateWebhookSecret();
  const row = await db
    .insertInto('subscriptions')
    .values({
      org_id: orgId,
      target_url: options.url,
      event_types: options.eventTypes ?? ['*'],
      status: options.status ?? 'active',
      is_default: options.isDefault ?? false,
      secret,
      previous_secret: options.previousSecret ?? null,
      previous_secret_expires_at: options.previousExpiresAt ?? null,
    })
    .returning('id')
    .executeTakeFirstOrThrow();
  return { id: row.id, secret };
}

/**
 * Events and their fan-out jobs committed in one transaction, the way the API ingests them.
 * Resolves to the event ids, in order.
 */
export async function enqueueEvents(
  db: Kysely<Database>,
  boss: PgBoss,
  orgId: string,
  events: { type?: string; payload?: Record<string, unknown>; acknowledged?: boolean }[],
): Promise<string[]> {
  const rows = events.map((e) => ({
    id: uuidv7(),
    org_id: orgId,
    type: e.type ?? 'order.created',
    payload: JSON.stringify(e.payload ?? { n: 1 }),
    ...(e.acknowledged ? { status: 'delivered' as const, acknowledged_at: new Date() } : {}),
  }));
  await db.transaction().execute(async (trx) => {
    await trx
      .insertInto('events')
      .values(rows.map((r) => ({ ...r, payload: sql`${r.payload}::jsonb` })))
      .execute();
    await insertFanOutJobs(
      boss,
      trx,
      rows.map((r) => ({ eventId: r.id, orgId })),
    );
  });
  return rows.map((r) => r.id);
}

export async function enqueueEvent(db: Kysely<Database>, boss: PgBoss, orgId: string, payload?: Record<string, unknown>) {
  const [id] = await enqueueEvents(db, boss, orgId, [{ payload }]);
  return id as string;
}

export function findEvent(db: Db, id: string) {
  return db.selectFrom('events').selectAll().where('id', '=', id).executeTakeFirstOrThrow();
}

export function findDeliveries(db: Db, eventId: string) {
  return db.selectFrom('deliveries').selectAll().where('event_id', '=', eventId).orderBy('created_at').execute();
}

export function findAttempts(db: Db, eventId: string) {
  return db
    .selectFrom('delivery_attempts')
    .selectAll()
    .where('event_id', '=', eventId)
    .orderBy('attempt')
    .orderBy('id')
    .execute();
}

/** The delivery queue's jobs for an event, newest first, in any state. */
export async function findJobs(boss: PgBoss, queue: string, eventId: string) {
  const jobs = await boss.findJobs<DeliveryJob>(queue, { data: { eventId } });
  return jobs.sort((a, b) => b.createdOn.getTime() - a.createdOn.getTime());
}
