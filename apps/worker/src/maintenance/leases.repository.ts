import type { Db } from '@triggers/db';
import { sql } from 'kysely';

/**
 * Deletes up to `limit` inbox leases that have expired, with their event_leases rows; resolves to
 * how many leases. The expiry is checked again on the row itself, so a lease extended at the last
 * moment stays; a hold that another lease has meanwhile taken over is not this lease's any more.
 */
export async function deleteExpiredLeases(db: Db, limit: number): Promise<number> {
  const { rows } = await sql<{ leases: number }>`
    WITH gone AS (
      DELETE FROM inbox_leases
      WHERE id IN (SELECT id FROM inbox_leases WHERE expires_at < now() LIMIT ${limit}) AND expires_at < now()
      RETURNING id
    ),
    holds AS (
      DELETE FROM event_leases WHERE lease_id IN (SELECT id FROM gone)
    )
    SELECT count(*)::int AS leases FROM gone`.execute(db);
  return rows[0]?.leases ?? 0;
}
