import type { Db, RateBudget } from '@triggers/db';
import { sql } from 'kysely';

/**
 * Claims up to `want` units of one of an organization's window budgets, atomically across every
 * API process: never past `limit` in all. Resolves to what was granted (0 once the window is spent).
 */
export async function claimWindowBudget(
  db: Db,
  orgId: string,
  budget: RateBudget,
  windowStart: Date,
  want: number,
  limit: number,
): Promise<number> {
  const { rows } = await sql<{ last_grant: number }>`
    INSERT INTO rate_limit_windows AS w (org_id, budget, window_start, claimed, last_grant)
    VALUES (${orgId}, ${budget}, ${windowStart}, LEAST(${want}::int, ${limit}::int), LEAST(${want}::int, ${limit}::int))
    ON CONFLICT (org_id, budget, window_start) DO UPDATE
      SET claimed = w.claimed + LEAST(${want}::int, ${limit}::int - w.claimed),
          last_grant = LEAST(${want}::int, ${limit}::int - w.claimed)
      WHERE w.claimed < ${limit}::int
    RETURNING last_grant`.execute(db);
  return rows[0]?.last_grant ?? 0;
}
