import type { Db } from '@triggers/db';
import { sql } from 'kysely';

/**
 * Deletes up to `limit` dedup records whose window has passed; resolves to how many. The
 * condition is checked again on the row itself, so a record that an ingest has just taken over
 * (and given a new window) stays.
 */
export async function deleteExpiredDedupRecords(db: Db, limit: number): Promise<number> {
  const result = await sql`
    DELETE FROM event_dedup
    WHERE (org_id, dedup_id) IN (SELECT org_id, dedup_id FROM event_dedup WHERE expires_at < now() LIMIT ${limit})
      AND expires_at < now()`.execute(db);
  return Number(result.numAffectedRows ?? 0n);
}
