import type { Config } from '@triggers/config';
import { type CreateBossOptions, createBoss, jobRetention, type PgBoss } from '@triggers/queue';

/**
 * How often a worker's pg-boss runs its supervision pass, and how often (across all workers: pg-boss
 * claims each queue's monitor in the database) the monitor runs in it. The monitor is what fails a
 * job whose worker stopped heartbeating (HEARTBEAT_SECONDS in packages/queue), so a SIGKILLed
 * worker's jobs are retried by another within HEARTBEAT_SECONDS + this + the first backoff + a
 * fetch poll: about 10 s, at most 15 s (`npm run bench:recovery`). The monitor's counts read only
 * the live jobs (pg-boss's partial indexes), so a pass costs what is in flight, not the history.
 */
export const SUPERVISE_INTERVAL_SECONDS = 1;

/**
 * The worker's pg-boss: a pool of its own on DATABASE_DIRECT_URL (LISTEN needs a session of its
 * own), maintenance on (expiry, heartbeats, retention), and LISTEN/NOTIFY so a job is fetched the
 * moment its transaction commits. Retention deletes run every JobRetention.maintenanceIntervalSeconds.
 */
export function createWorkerBoss(config: Config, extra: NonNullable<CreateBossOptions['extra']> = {}): PgBoss {
  return createBoss(config, {
    instanceName: 'worker',
    supervise: true,
    useListenNotify: true,
    max: 5,
    extra: {
      superviseIntervalSeconds: SUPERVISE_INTERVAL_SECONDS,
      monitorIntervalSeconds: SUPERVISE_INTERVAL_SECONDS,
      maintenanceIntervalSeconds: jobRetention(config).maintenanceIntervalSeconds,
      ...extra,
    },
  });
}
