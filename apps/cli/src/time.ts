import { UsageError } from './exit-codes.js';

const UNIT_MS = { s: 1000, m: 60_000, h: 3_600_000, d: 86_400_000 } as const;

/** `30s`, `10m`, `2h`, `7d` in milliseconds; undefined when `value` is not such a duration. */
export function durationMs(value: string): number | undefined {
  const match = /^(\d+)([smhd])$/.exec(value);
  return match ? Number(match[1]) * UNIT_MS[match[2] as keyof typeof UNIT_MS] : undefined;
}

/** `--from`/`--to`: an ISO-8601 time, `now`, or a duration ago such as `30m`, `2h`, `7d`. */
export function parseTime(flag: string, value: string, now: number): string {
  if (value === 'now') return new Date(now).toISOString();
  const ago = durationMs(value);
  if (ago !== undefined) return new Date(now - ago).toISOString();
  const at = Date.parse(value);
  if (Number.isNaN(at)) throw new UsageError(`--${flag} must be an ISO time, "now" or a duration ago like 2h: ${value}`);
  return new Date(at).toISOString();
}

/** Waits `ms`, or less when `signal` aborts (then resolves, never rejects). */
export function sleep(ms: number, signal: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    if (signal.aborted) return resolve();
    const timer = setTimeout(done, ms);
    function done() {
      clearTimeout(timer);
      signal.removeEventListener('abort', done);
      resolve();
    }
    signal.addEventListener('abort', done);
  });
}
