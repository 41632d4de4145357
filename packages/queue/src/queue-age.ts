import type { PgBoss } from 'pg-boss';
import { BOSS_SCHEMA } from './names.js';

/**
 * How long the oldest job of `queue` that is due (created or retry, start time passed) has been
 * waiting, in seconds; 0 when none is. Two index probes (pg-boss's job_i14 on name, state, blocked,
 * start_after), whatever the queue's length.
 */
export async function oldestReadyJobSeconds(boss: PgBoss, queue: string): Promise<number> {
  const oldest = (state: string) => `(
    SELECT start_after FROM ${BOSS_SCHEMA}.job
    WHERE name = $1 AND state = '${state}' AND NOT blocked AND start_after <= now()
    ORDER BY start_after LIMIT 1)`;
  const { rows } = await boss
    .getDb()
    .executeSql(
      `SELECT COALESCE(EXTRACT(EPOCH FROM now() - min(start_after)), 0)::float8 AS seconds FROM (${oldest('created')} UNION ALL ${oldest('retry')}) due`,
      [queue],
    );
  return Math.max(0, Number(rows[0]?.seconds ?? 0));
}
