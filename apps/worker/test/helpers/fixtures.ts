import { randomBytes } from 'node:crypto';
import type { Database, Db } from '@triggers/db';
import { uuidv7 } from '@triggers/db';
import { DELIVERY_QUEUE, type DeliveryJob, fromKysely, type PgBoss } from '@triggers/queue';
import { generateWebhookSecret } from '@triggers/webhooks';
import { type Kysely, sql } from 'kysely';

export interface TestOrg {
  id: string;
  secret: string;
}

/** An organization straight in the database, with a webhook (or none) and a signing secret. */
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
      webhook_url: options.webhookUrl,
      webhook_secret: secret,
      previous_webhook_secret: options.previousSecret ?? null,
      previous_secret_expires_at: options.previousExpiresAt ?? null,
    })
    .returning('id')
    .executeTakeFirstOrThrow();
  return { id: row.id, secret };
}

/**
 * Events and their delivery jobs committed in one transaction, the way the API ingests them.
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
    await boss.insert(
      DELIVERY_QUEUE,
      rows.map((r) => ({ data: { eventId: r.id, orgId } satisfies DeliveryJob })),
      { db: fromKysely(trx) },
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
