import type { Db } from '@triggers/db';
import { sql } from 'kysely';

export interface Acknowledgement {
  id: string;
  acknowledged_at: Date;
}

/**
 * Marks one organization's events delivered and acknowledged, in one statement. The first
 * acknowledgement's time is kept (acking again changes nothing a caller sees), and
 * delivered_at is set to it when no push delivery came first. Rows are locked in id order so
 * concurrent batches cannot deadlock. Resolves to the events found, with their acknowledgement time.
 */
export async function acknowledgeEvents(db: Db, orgId: string, ids: readonly string[]): Promise<Acknowledgement[]> {
  if (ids.length === 0) return [];
  const { rows } = await sql<Acknowledgement>`
    WITH target AS (
      SELECT id FROM events
      WHERE org_id = ${orgId} AND id = ANY(${ids}::uuid[])
      ORDER BY id
      FOR UPDATE
    )
    UPDATE events e
    SET status = 'delivered',
        acknowledged_at = coalesce(e.acknowledged_at, now()),
        delivered_at = coalesce(e.delivered_at, e.acknowledged_at, now())
    FROM target
    WHERE e.id = target.id
    RETURNING e.id, e.acknowledged_at`.execute(db);
  return rows;
}
