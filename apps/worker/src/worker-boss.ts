import type { Config } from '@triggers/config';
import { type CreateBossOptions, createBoss, type PgBoss } from '@triggers/queue';

/**
 * How often a worker's pg-boss runs maintenance. Expiry of jobs whose worker died runs in the
 * monitor pass, so with the queue's expireInSeconds (webhook timeout + 20 s) a SIGKILLed worker's
 * jobs are retried by another worker within expireInSeconds + this + the first backoff: about 35 s
 * at the default 10 s timeout. pg-boss claims each pass per queue in the database, so many workers
 * still run it about once per interval between them.
 */
export const SUPERVISE_INTERVAL_SECONDS = 10;

/**
 * The worker's pg-boss: a pool of its own (LISTEN needs a session of its own), maintenance on,
 * and LISTEN/NOTIFY so a job is fetched the moment its transaction commits.
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
      ...extra,
    },
  });
}
