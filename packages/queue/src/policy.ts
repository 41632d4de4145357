import type { Config } from '@triggers/config';
import type { Queue } from 'pg-boss';
import { jobRetention } from './retention.js';

/** Longest wait a receiver's Retry-After may ask for. */
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
 * WEBHOOK_MAX_ATTEMPTS counts attempts in all, so pg-boss gets one retry fewer (each job is
 * inserted with the retries its delivery has left). The worker sets each retry's time itself
 * (packages/delivery's retry schedule); pg-boss's own backoff, the same formula with the same
 * base and cap, applies to a job whose worker died. A job whose worker died is given back when its
 * heartbeat stops (HEARTBEAT_SECONDS; the worker's dispatcher touches the jobs it holds); a job
 * whose worker lives but never settles it, after `expireInSeconds` (the webhook timeout plus a
 * margin). Finished jobs are kept JOB_RETENTION_HOURS (see retention.ts).
 */
export function deliveryQueuePolicy(config: Config): Omit<Queue, 'name'> {
  return {
    policy: 'standard',
    retryLimit: config.webhookMaxAttempts - 1,
    retryDelay: config.webhookRetryBaseSeconds,
    retryBackoff: true,
    retryDelayMax: config.webhookRetryMaxSeconds,
    expireInSeconds: Math.ceil(config.webhookTimeoutMs / 1000) + 20,
    retentionSeconds: 14 * 24 * 3600,
    deleteAfterSeconds: jobRetention(config).finishedSeconds,
    heartbeatSeconds: HEARTBEAT_SECONDS,
    notify: true,
  };
}

/**
 * Fan-out jobs are short database work: retried quickly and for a long time, never dead-lettered;
 * a dead worker's are given back by their heartbeat, like delivery jobs.
 */
export function fanOutQueuePolicy(config: Config): Omit<Queue, 'name'> {
  return {
    policy: 'standard',
    retryLimit: 50,
    retryDelay: 1,
    retryBackoff: true,
    retryDelayMax: 60,
    expireInSeconds: 60,
    retentionSeconds: 14 * 24 * 3600,
    deleteAfterSeconds: jobRetention(config).finishedSeconds,
    heartbeatSeconds: HEARTBEAT_SECONDS,
    notify: true,
  };
}
