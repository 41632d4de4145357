/**
 * `node scripts/retry-schedule.js` (after `npm run build`) prints the delivery retry schedule as
 * the README shows it: the delays the worker uses (@triggers/delivery's retryDelaySeconds), for
 * the defaults, or for WEBHOOK_RETRY_BASE_SECONDS / WEBHOOK_RETRY_MAX_SECONDS / WEBHOOK_MAX_ATTEMPTS
 * when they are set.
 */
import { loadConfig } from '@triggers/config';
import { formatDuration, retrySchedule, scheduleSpanSeconds, scheduleTable } from '@triggers/delivery';

const config = loadConfig({ DATABASE_URL: 'postgres://unused@127.0.0.1/unused', ...process.env });
const schedule = retrySchedule(config);
console.log(
  `Base ${schedule.baseSeconds} s, cap ${formatDuration(schedule.maxSeconds)}, ${schedule.maxAttempts} attempts: ` +
    `the last one at least ${formatDuration(scheduleSpanSeconds(schedule))} after the first.\n`,
);
console.log(scheduleTable(schedule));
