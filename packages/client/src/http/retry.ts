/** When and how long a TriggersClient waits before sending a request again. */
export interface RetryPolicy {
  /** Further attempts after the first. Default 4. */
  maxRetries: number;
  /** The first backoff; each retry doubles it. Default 500 ms. */
  baseDelayMs: number;
  /** The longest backoff. Default 30 s. */
  maxDelayMs: number;
  /** A `Retry-After` longer than this is not waited for: the call fails with the 429/503. Default 60 s. */
  maxRetryAfterMs: number;
}

export const DEFAULT_RETRY_POLICY: RetryPolicy = {
  maxRetries: 4,
  baseDelayMs: 500,
  maxDelayMs: 30_000,
  maxRetryAfterMs: 60_000,
};

/**
 * The wait before retry number `retry` (1-based): base × 2^(retry−1), capped, of which the upper
 * half is random ("equal jitter"), so clients that failed together do not come back together.
 */
export function backoffDelayMs(retry: number, policy: RetryPolicy, random: () => number): number {
  const ceiling = Math.min(policy.maxDelayMs, policy.baseDelayMs * 2 ** (retry - 1));
  return Math.round(ceiling / 2 + (random() * ceiling) / 2);
}

/** A `Retry-After` header (seconds, or an HTTP date) in milliseconds from `nowMs`; undefined when absent or unreadable. */
export function parseRetryAfterMs(value: string | null, nowMs: number): number | undefined {
  if (value === null) return undefined;
  const trimmed = value.trim();
  if (/^\d+$/.test(trimmed)) return Number(trimmed) * 1000;
  const at = Date.parse(trimmed);
  return Number.isNaN(at) ? undefined : Math.max(0, at - nowMs);
}

/** Statuses worth another attempt: rate limited, or a server-side failure. */
export function isRetryableStatus(status: number): boolean {
  return status === 429 || status >= 500;
}
