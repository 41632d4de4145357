import type { Db, NewSubscription, Subscription, SubscriptionUpdate } from '@triggers/db';
import { sql } from 'kysely';

/** A position in a subscription listing: the last subscription of a page. */
export interface SubscriptionPosition {
  createdAt: Date;
  id: string;
}

export function findSubscription(db: Db, orgId: string, id: string): Promise<Subscription | undefined> {
  return db.selectFrom('subscriptions').selectAll().where('org_id', '=', orgId).where('id', '=', id).executeTakeFirst();
}

export function findDefaultSubscription(db: Db, orgId: string): Promise<Subscription | undefined> {
  return db.selectFrom('subscriptions').selectAll().where('org_id', '=', orgId).where('is_default', '=', true).executeTakeFirst();
}

/** Newest first, by (created_at DESC, id DESC), strictly after `after`. */
export function listSubscriptions(
  db: Db,
  orgId: string,
  page: { after?: SubscriptionPosition; limit: number },
): Promise<Subscription[]> {
  let query = db.selectFrom('subscriptions').selectAll().where('org_id', '=', orgId);
  const after = page.after;
  if (after) {
    query = query.where(({ eb, refTuple, tuple }) => eb(refTuple('created_at', 'id'), '<', tuple(after.createdAt, after.id)));
  }
  return query.orderBy('created_at', 'desc').orderBy('id', 'desc').limit(page.limit).execute();
}

export async function countSubscriptions(db: Db, orgId: string): Promise<number> {
  const row = await db
    .selectFrom('subscriptions')
    .select((eb) => eb.fn.countAll<number>().as('n'))
    .where('org_id', '=', orgId)
    .executeTakeFirstOrThrow();
  return Number(row.n);
}

/**
 * Takes the organization's row lock for the rest of the transaction, so that subscription
 * changes of one organization that must see each other (the limit, the one default) run one at a time.
 */
export async function lockOrganization(db: Db, orgId: string): Promise<void> {
  await sql`SELECT 1 FROM organizations WHERE id = ${orgId} FOR NO KEY UPDATE`.execute(db);
}

export function insertSubscription(db: Db, row: NewSubscription): Promise<Subscription> {
  return db.insertInto('subscriptions').values(row).returningAll().executeTakeFirstOrThrow();
}

export function updateSubscriptionRow(
  db: Db,
  orgId: string,
  id: string,
  changes: SubscriptionUpdate,
): Promise<Subscription | undefined> {
  return db
    .updateTable('subscriptions')
    .set({ ...changes, updated_at: sql<Date>`date_trunc('milliseconds', now())` })
    .where('org_id', '=', orgId)
    .where('id', '=', id)
    .returningAll()
    .executeTakeFirst();
}

export function deleteSubscriptionRow(db: Db, orgId: string, id: string): Promise<Subscription | undefined> {
  return db.deleteFrom('subscriptions').where('org_id', '=', orgId).where('id', '=', id).returningAll().executeTakeFirst();
}
