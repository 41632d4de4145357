import type { Config } from '@triggers/config';

/** When failed deliveries are tried again (API.md, "Webhook delivery"). */
export interface RetrySchedule {
  baseSeconds: number;
  maxSeconds: number;
  maxAttempts: number;
}

export function retrySchedule(
  config: Pick<Config, 'webhookRetryBaseSeconds' | 'webhookRetryMaxSeconds' | 'webhookMaxAttempts'>,
): RetrySchedule {
  return {
    baseSeconds: config.webhookRetryBaseSeconds,
    maxSeconds: config.webhookRetryMaxSeconds,
    maxAttempts: config.webhookMaxAttempts,
  };
}

/**
 * Seconds to wait before the next attempt after `failedAttempts` failures (1, 2, …): base ×
 * 2^(n−1), plus up to as much again at random (`random` in [0, 1)), capped at the maximum.
 * Jitter only lengthens a delay. pg-boss's own backoff (for a job whose worker died) is the same
 * formula with the same base and cap (packages/queue's deliveryQueuePolicy).
 */
export function retryDelaySeconds(schedule: RetrySchedule, failedAttempts: number, random: number = Math.random()): number {
  const delay = schedule.baseSeconds * 2 ** Math.min(30, Math.max(0, failedAttempts - 1));
  return Math.min(schedule.maxSeconds, delay * (1 + random));
}

export interface ScheduleStep {
  /** The attempt this delay leads to (2 … maxAttempts). */
  attempt: number;
  minSeconds: number;
  maxSeconds: number;
  /** Time from the first attempt to this one, without and with the most jitter. */
  elapsedMinSeconds: number;
  elapsedMaxSeconds: number;
}

/** Every delay of a schedule, as the README prints it (scripts/retry-schedule.js). */
export function scheduleSteps(schedule: RetrySchedule): ScheduleStep[] {
  const steps: ScheduleStep[] = [];
  let elapsedMin = 0;
  let elapsedMax = 0;
  for (let failed = 1; failed < schedule.maxAttempts; failed++) {
    const min = retryDelaySeconds(schedule, failed, 0);
    const max = retryDelaySeconds(schedule, failed, 1);
    elapsedMin += min;
    elapsedMax += max;
    steps.push({
      attempt: failed + 1,
      minSeconds: min,
      maxSeconds: max,
      elapsedMinSeconds: elapsedMin,
      elapsedMaxSeconds: elapsedMax,
    });
  }
  return steps;
}

/** The shortest time from the first attempt to the last. */
export function scheduleSpanSeconds(schedule: RetrySchedule): number {
  return scheduleSteps(schedule).at(-1)?.elapsedMinSeconds ?? 0;
}

/** A duration as people read it: 5 s, 2 min 40 s, 1 h 25 min, 1 d 5 h. */
export function formatDuration(totalSeconds: number): string {
  const s = Math.round(totalSeconds);
  const parts: [number, string][] = [
    [Math.floor(s / 86_400), 'd'],
    [Math.floor((s % 86_400) / 3600), 'h'],
    [Math.floor((s % 3600) / 60), 'min'],
    [s % 60, 's'],
  ];
  const first = parts.findIndex(([n]) => n > 0);
  if (first === -1) return '0 s';
  return parts
    .slice(first, first + 2)
    .filter(([n]) => n > 0)
    .map(([n, unit]) => `${n} ${unit}`)
    .join(' ');
}

/** The schedule as a Markdown table (README, "Retry schedule"; printed by scripts/retry-schedule.js). */
export function scheduleTable(schedule: RetrySchedule): string {
  const rows = scheduleSteps(schedule).map(
    (s) =>
      `| ${s.attempt} | ${formatDuration(s.minSeconds)} – ${formatDuration(s.maxSeconds)} | ${formatDuration(s.elapsedMinSeconds)} – ${formatDuration(s.elapsedMaxSeconds)} |`,
  );
  return ['| attempt | delay before it | since the first attempt |', '| --- | --- | --- |', ...rows].join('\n');
}
