import type { Database } from '@triggers/db';
import { DELIVERY_QUEUE, fromKysely, type PgBoss } from '@triggers/queue';
import { sql, type Transaction } from 'kysely';
import { lockEvents } from './event-locks.js';
import { refreshEventStatuses } from './event-status.js';

/**
 * Cancels a subscription's pending deliveries (the `cancelled` transition, when it is deleted)
 * and their jobs; their events' status is derived again. Resolves to how many were cancelled.
 */
export async function cancelSubscriptionDeliveries(
  boss: PgBoss,
  trx: Transaction<Database>,
  subscriptionId: string,
): Promise<number> {
  const { rows: pending } = await sql<{ event_id: string }>`
    SELECT event_id FROM deliveries WHERE subscription_id = ${subscriptionId} AND status = 'pending'`.execute(trx);
  if (pending.length === 0) return 0;
  await lockEvents(
    trx,
    pending.map((p) => p.event_id),
  );
  const { rows } = await sql<{ event_id: string; job_id: string | null }>`
    UPDATE deliveries SET status = 'cancelled', next_attempt_at = NULL
    WHERE subscription_id = ${subscriptionId} AND status = 'pending'
    RETURNING event_id, job_id`.execute(trx);
  const jobIds = rows.map((r) => r.job_id).filter((id): id is string => id !== null);
  if (jobIds.length > 0) await boss.cancel(DELIVERY_QUEUE, jobIds, { db: fromKysely(trx) });
  await refreshEventStatuses(
    trx,
    rows.map((r) => r.event_id),
  );
  return rows.length;
}
