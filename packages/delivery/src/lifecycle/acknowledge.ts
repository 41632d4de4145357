import type { Database } from '@triggers/db';
import { DELIVERY_QUEUE, fromKysely, type PgBoss } from '@triggers/queue';
import { sql, type Transaction } from 'kysely';

export interface Acknowledgement {
  id: string;
  acknowledged_at: Date;
}

/**
 * The consumer has these events (the `acknowledged` transition): each is marked delivered and
 * acknowledged (the first acknowledgement's time is kept; delivered_at is set to it when no push
 * delivery came first), and its pending deliveries are cancelled with their jobs, so no
 * subscription gets it again. Rows are locked in id order so concurrent batches cannot deadlock.
 * Resolves to the events found, with their acknowledgement time.
 */
export async function acknowledgeEvents(
  boss: PgBoss,
  trx: Transaction<Database>,
  orgId: string,
  ids: readonly string[],
): Promise<Acknowledgement[]> {
  if (ids.length === 0) return [];
  const { rows } = await sql<Acknowledgement>`
    WITH target AS (
      SELECT id FROM events
      WHERE org_id = ${orgId} AND id = ANY(${ids}::uuid[])
      ORDER BY id
      FOR NO KEY UPDATE
    )
    UPDATE events e
    SET status = 'delivered',
        acknowledged_at = coalesce(e.acknowledged_at, now()),
        delivered_at = coalesce(e.delivered_at, e.acknowledged_at, now())
    FROM target
    WHERE e.id = target.id
    RETURNING e.id, e.acknowledged_at`.execute(trx);
  if (rows.length === 0) return rows;
  const { rows: cancelled } = await sql<{ job_id: string | null }>`
    UPDATE deliveries SET status = 'cancelled', next_attempt_at = NULL
    WHERE event_id = ANY(${rows.map((r) => r.id)}::uuid[]) AND status = 'pending'
    RETURNING job_id`.execute(trx);
  const jobIds = cancelled.map((c) => c.job_id).filter((id): id is string => id !== null);
  if (jobIds.length > 0) await boss.cancel(DELIVERY_QUEUE, jobIds, { db: fromKysely(trx) });
  return rows;
}
