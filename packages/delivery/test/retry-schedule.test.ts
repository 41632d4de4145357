import { readFileSync } from 'node:fs';
import { describe, expect, test } from '@jest/globals';
import { loadConfig } from '@triggers/config';
import { retryDelaySeconds, retrySchedule, scheduleSpanSeconds, scheduleSteps, scheduleTable } from '../src/retry-schedule.js';

const defaults = retrySchedule(loadConfig({ DATABASE_URL: 'postgres://u@127.0.0.1/db' }));

describe('the retry schedule', () => {
  test('the defaults are base 5 s, cap 6 h and 17 attempts', () => {
    expect(defaults).toEqual({ baseSeconds: 5, maxSeconds: 21_600, maxAttempts: 17 });
  });

  test('the defaults keep trying for more than 24 hours even with no jitter at all, and about 30 in all', () => {
    expect(scheduleSpanSeconds(defaults)).toBeGreaterThan(24 * 3600);
    expect(scheduleSpanSeconds(defaults) / 3600).toBeCloseTo(29.4, 1);
  });

  test('the delay before attempt n+1 is base × 2^(n−1), plus up to as much again, capped', () => {
    expect(retryDelaySeconds(defaults, 1, 0)).toBe(5);
    expect(retryDelaySeconds(defaults, 1, 0.5)).toBe(7.5);
    expect(retryDelaySeconds(defaults, 3, 0)).toBe(20);
    expect(retryDelaySeconds(defaults, 13, 0)).toBe(20_480);
    expect(retryDelaySeconds(defaults, 13, 0.99)).toBe(21_600);
    expect(retryDelaySeconds(defaults, 16, 0)).toBe(21_600);
  });

  test('jitter never shortens a delay', () => {
    for (let n = 1; n < 17; n++) {
      for (const random of [0, 0.1, 0.5, 0.999]) {
        expect(retryDelaySeconds(defaults, n, random)).toBeGreaterThanOrEqual(retryDelaySeconds(defaults, n, 0));
      }
    }
  });

  test("base 1 and 5 attempts give the seed's 1-2-4-8 s", () => {
    const seed = retrySchedule(
      loadConfig({ DATABASE_URL: 'postgres://u@127.0.0.1/db', WEBHOOK_RETRY_BASE_SECONDS: '1', WEBHOOK_MAX_ATTEMPTS: '5' }),
    );
    expect(scheduleSteps(seed).map((s) => s.minSeconds)).toEqual([1, 2, 4, 8]);
  });

  test('the README shows the default schedule as scripts/retry-schedule.js prints it', () => {
    // Table rows as their cells, whatever padding the formatter gave them.
    const rows = (markdown: string) =>
      markdown
        .split('\n')
        .filter((line) => line.startsWith('|') && !/^\|[\s|:-]+\|$/.test(line))
        .map((line) =>
          line
            .split('|')
            .map((cell) => cell.trim())
            .join('|'),
        );
    const readme = rows(readFileSync(new URL('../../../README.md', import.meta.url), 'utf8')).join('\n');
    expect(readme).toContain(rows(scheduleTable(defaults)).join('\n'));
  });
});
