import type { Config } from '@triggers/config';
import type { Queue } from 'pg-boss';
import { jobRetention } from './retention.js';

/** Longest wait between two attempts, whatever the backoff or a receiver's Retry-After says. */
export const MAX_RETRY_DELAY_SECONDS = 3600;

/**
 * While a batch's handler runs, pg-boss's work() loop refreshes its jobs' heartbeat every
 * HEARTBEAT_SECONDS / 2, and the workers' pg-boss maintenance (its monitor pass) fails a job whose
 * heartbeat is older than HEARTBEAT_SECONDS, so that another worker retries it. A SIGKILLed
 * worker's jobs are so failed 5–10 s after it died (plus up to one monitor interval), instead of
 * after `expireInSeconds`. 10 is pg-boss's minimum. Jobs take it from the queue when inserted.
 */
export const HEARTBEAT_SECONDS = 10;

/**
 * The delivery queue's retry, expiry and retention policy, derived from the config.
 * WEBHOOK_MAX_ATTEMPTS counts attempts in all, so pg-boss gets one retry fewer.
 * A job whose worker died is given back when its heartbeat stops (HEARTBEAT_SECONDS); a job whose
 * worker lives but whose handler never returns, after `expireInSeconds` (the webhook timeout plus a
 * margin). Finished jobs are kept JOB_RETENTION_HOURS (see retention.ts).
 */
export function deliveryQueuePolicy(config: Config): Omit<Queue, 'name'> {
  return {
    policy: 'standard',
    retryLimit: config.webhookMaxAttempts - 1,
    retryDelay: config.webhookRetryBaseSeconds,
    retryBackoff: true,
    retryDelayMax: MAX_RETRY_DELAY_SECONDS,
    expireInSeconds: Math.ceil(config.webhookTimeoutMs / 1000) + 20,
    retentionSeconds: 14 * 24 * 3600,
    deleteAfterSeconds: jobRetention(config).finishedSeconds,
    heartbeatSeconds: HEARTBEAT_SECONDS,
    notify: true,
  };
}
