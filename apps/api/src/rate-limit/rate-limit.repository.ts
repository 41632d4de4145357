import type { Db } from '@triggers/db';
import { sql } from 'kysely';

/**
 * Claims up to `want` requests of an organization's window budget, atomically across every API
 * process: never past `limit` in all. Resolves to what was granted (0 once the window is spent).
 */
export async function claimWindowBudget(db: Db, orgId: string, windowStart: Date, want: number, limit: number): Promise<number> {
  const { rows } = await sql<{ last_grant: number }>`
    INSERT INTO rate_limit_windows AS w (org_id, window_start, claimed, last_grant)
    VALUES (${orgId}, ${windowStart}, LEAST(${want}::int, ${limit}::int), LEAST(${want}::int, ${limit}::int))
    ON CONFLICT (org_id, window_start) DO UPDATE
      SET claimed = w.claimed + LEAST(${want}::int, ${limit}::int - w.claimed),
          last_grant = LEAST(${want}::int, ${limit}::int - w.claimed)
      WHERE w.claimed < ${limit}::int
    RETURNING last_grant`.execute(db);
  return rows[0]?.last_grant ?? 0;
}

/** Forgets windows that ended more than a few minutes ago. */
export async function deleteOldWindows(db: Db, before: Date): Promise<void> {
  await db.deleteFrom('rate_limit_windows').where('window_start', '<', before).execute();
}
