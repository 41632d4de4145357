import { MAX_RETRY_DELAY_SECONDS } from '@triggers/queue';

/**
 * Seconds to wait from a `Retry-After` header (delay-seconds or an HTTP date), capped at an hour;
 * `null` when it is missing or unreadable. A date in the past means "now" (0).
 */
export function parseRetryAfter(value: string | string[] | undefined, now: Date = new Date()): number | null {
  const raw = (Array.isArray(value) ? value[0] : value)?.trim();
  if (!raw) return null;
  let seconds: number;
  if (/^\d+$/.test(raw)) {
    seconds = Number(raw);
  } else {
    // An HTTP-date (IMF-fixdate, RFC 850 or asctime) starts with the day's name.
    if (!/^(mon|tue|wed|thu|fri|sat|sun)/i.test(raw)) return null;
    const at = Date.parse(raw);
    if (Number.isNaN(at)) return null;
    seconds = Math.max(0, Math.ceil((at - now.getTime()) / 1000));
  }
  return Math.min(seconds, MAX_RETRY_DELAY_SECONDS);
}
