import type { Config } from '@triggers/config';

/**
 * How long pg-boss keeps job history, from JOB_RETENTION_HOURS and DEAD_LETTER_RETENTION_DAYS:
 * - a delivery job that finished (completed, or failed after its last attempt) is deleted
 *   `finishedSeconds` after it finished;
 * - a dead-lettered copy waits in the dead-letter queue (never worked, so never finished) and is
 *   deleted `deadLetterSeconds` after it landed there, unless it is redriven before.
 * The deletion runs in the workers' pg-boss maintenance every `maintenanceIntervalSeconds` (a
 * tenth of the shorter retention, between 1 s and 1 h), so a finished job is gone at most that
 * much after its time is up: the table holds about `rate × (retention + interval)` finished jobs.
 */
export interface JobRetention {
  finishedSeconds: number;
  deadLetterSeconds: number;
  maintenanceIntervalSeconds: number;
}

export function jobRetention(config: Config): JobRetention {
  const finishedSeconds = Math.max(1, Math.round(config.jobRetentionHours * 3600));
  const deadLetterSeconds = Math.max(1, Math.round(config.deadLetterRetentionDays * 86_400));
  const shorter = Math.min(finishedSeconds, deadLetterSeconds);
  return {
    finishedSeconds,
    deadLetterSeconds,
    maintenanceIntervalSeconds: Math.min(3600, Math.max(1, Math.round(shorter / 10))),
  };
}
