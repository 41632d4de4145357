import type { Config } from '@triggers/config';
import { queueUnqueuedDeliveries } from '@triggers/delivery';
import type { PgBoss } from '@triggers/queue';
import { sql } from 'kysely';
import { deleteExpiredDedupRecords } from './dedup.repository.js';
import { deleteExpiredLeases } from './leases.repository.js';
import type { PeriodicTask } from './periodic-tasks.js';

/** Rows one pass handles at most, so no pass holds many locks for long. */
const CHUNK = 5_000;

/**
 * The worker's periodic maintenance. (The retention of old events and their deliveries belongs
 * here too, as one more task.)
 */
export function maintenanceTasks(deps: { boss: PgBoss; config: Config }): PeriodicTask[] {
  return [
    {
      // Ingest takes over an expired dedup record in place; this only keeps the table from growing.
      name: 'dedup-records',
      intervalMs: 5 * 60_000,
      lockKey: 1,
      run: (trx) => deleteExpiredDedupRecords(trx, CHUNK),
    },
    {
      // A lease that has expired holds nothing and cannot be extended: only its rows are left.
      name: 'inbox-leases',
      intervalMs: 5 * 60_000,
      lockKey: 4,
      run: (trx) => deleteExpiredLeases(trx, CHUNK),
    },
    {
      // Windows of the shared rate limiter (both budgets) that ended more than five minutes ago.
      name: 'rate-limit-windows',
      intervalMs: 60_000,
      lockKey: 2,
      run: async (trx) => {
        const result = await sql`
          DELETE FROM rate_limit_windows WHERE window_start < now() - interval '5 minutes'`.execute(trx);
        return Number(result.numAffectedRows ?? 0n);
      },
    },
    {
      // Pending deliveries of active subscriptions that have no job: resume queues them at once;
      // this catches one a race left behind, within the contract's 10 s.
      name: 'unqueued-deliveries',
      intervalMs: 5_000,
      lockKey: 3,
      run: (trx) => queueUnqueuedDeliveries(deps.boss, trx, { maxAttempts: deps.config.webhookMaxAttempts, limit: CHUNK }),
    },
  ];
}
