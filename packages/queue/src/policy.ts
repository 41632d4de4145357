import type { Config } from '@triggers/config';
import type { Queue } from 'pg-boss';

/** Longest wait between two attempts, whatever the backoff or a receiver's Retry-After says. */
export const MAX_RETRY_DELAY_SECONDS = 3600;

/**
 * The delivery queue's retry, expiry and retention policy, derived from the config.
 * WEBHOOK_MAX_ATTEMPTS counts attempts in all, so pg-boss gets one retry fewer.
 * A job whose worker died is given back after `expireInSeconds`: the webhook timeout
 * plus a margin, so a SIGKILLed worker's deliveries resume within about a minute.
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
    deleteAfterSeconds: 7 * 24 * 3600,
    notify: true,
  };
}
