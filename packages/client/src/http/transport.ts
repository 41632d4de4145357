import { randomUUID } from 'node:crypto';
import { TriggersError } from './errors.js';
import { backoffDelayMs, isRetryableStatus, parseRetryAfterMs, type RetryPolicy } from './retry.js';

export interface RetryInfo {
  method: string;
  path: string;
  /** The attempt about to be made (2 for the first retry). */
  attempt: number;
  delayMs: number;
  /** `429`, `503` … or `network_error` / `timeout`. */
  reason: string;
}

export interface TransportOptions {
  baseUrl: string;
  apiKey?: string;
  adminToken?: string;
  fetch: typeof fetch;
  sleep: (ms: number, signal?: AbortSignal) => Promise<void>;
  now: () => number;
  random: () => number;
  retry: RetryPolicy;
  timeoutMs: number;
  userAgent: string;
  onRetry?: (info: RetryInfo) => void;
}

export interface Call {
  method: 'GET' | 'POST' | 'PATCH' | 'DELETE';
  path: string;
  query?: Record<string, string | number | undefined>;
  body?: unknown;
  headers?: Record<string, string>;
  /**
   * Whether sending it again after a failure that may have reached the server (a 5xx, a lost
   * connection, a timeout) is harmless. A 429 and a refused connection are retried either way:
   * the server did nothing.
   */
  idempotent: boolean;
  /** The key (default), the admin token (sign-up), or nothing. */
  auth?: 'key' | 'admin' | 'none';
  /** Statuses handed back to the caller instead of thrown. */
  accept?: readonly number[];
  signal?: AbortSignal;
}

export interface Reply<T> {
  status: number;
  body: T;
  headers: Headers;
  requestId: string;
  /** How many times the request was sent (1 when no retry was needed). */
  attempts: number;
}

type Outcome = { response: Response; body: unknown } | { failure: TriggersError; sent: boolean };

/** Sends calls to the API: authentication, JSON, one X-Request-ID per call, retries with backoff, errors as TriggersError. */
export class Transport {
  constructor(private readonly options: TransportOptions) {}

  set apiKey(key: string) {
    this.options.apiKey = key;
  }

  async request<T>(call: Call): Promise<Reply<T>> {
    const requestId = randomUUID();
    const { retry } = this.options;
    for (let attempt = 1; ; attempt++) {
      const outcome = await this.attempt(call, requestId);
      let reason: string;
      let waitMs: number | undefined;
      if ('response' in outcome) {
        const { response, body } = outcome;
        if (response.ok || call.accept?.includes(response.status)) {
          return { status: response.status, body: body as T, headers: response.headers, requestId, attempts: attempt };
        }
        const error = errorFromResponse(response.status, response.headers, body, requestId);
        const retryable = response.status === 429 || (call.idempotent && isRetryableStatus(response.status));
        if (!retryable || attempt > retry.maxRetries) throw error;
        waitMs = parseRetryAfterMs(response.headers.get('retry-after'), this.options.now());
        if (waitMs !== undefined && waitMs > retry.maxRetryAfterMs) throw error;
        reason = String(response.status);
      } else {
        const { failure, sent } = outcome;
        if ((sent && !call.idempotent) || attempt > retry.maxRetries || call.signal?.aborted) throw failure;
        reason = failure.code;
      }
      const delayMs = waitMs ?? backoffDelayMs(attempt, retry, this.options.random);
      this.options.onRetry?.({ method: call.method, path: call.path, attempt: attempt + 1, delayMs, reason });
      await this.wait(delayMs, call.signal);
    }
  }

  /** The sleep between attempts, cut short (throwing the abort reason) when the caller's signal aborts. */
  private async wait(ms: number, signal: AbortSignal | undefined): Promise<void> {
    try {
      await this.options.sleep(ms, signal);
    } catch (error) {
      if (signal?.aborted) throw signal.reason;
      throw error;
    }
    signal?.throwIfAborted();
  }

  private async attempt(call: Call, requestId: string): Promise<Outcome> {
    // Appended, not resolved: a base URL with a path (behind a proxy, http://host/triggers) keeps it.
    const url = new URL(`${this.options.baseUrl.replace(/\/+$/, '')}${call.path}`);
    for (const [name, value] of Object.entries(call.query ?? {})) {
      if (value !== undefined) url.searchParams.set(name, String(value));
    }
    const headers: Record<string, string> = {
      accept: 'application/json',
      'user-agent': this.options.userAgent,
      'x-request-id': requestId,
      ...call.headers,
    };
    const auth = call.auth ?? 'key';
    if (auth === 'key') {
      if (!this.options.apiKey)
        throw new TriggersError({ status: 0, code: 'missing_api_key', message: 'No API key configured', requestId });
      headers['x-api-key'] = this.options.apiKey;
    } else if (auth === 'admin' && this.options.adminToken) {
      headers.authorization = `Bearer ${this.options.adminToken}`;
    }
    if (call.body !== undefined) headers['content-type'] = 'application/json';
    const timeout = AbortSignal.timeout(this.options.timeoutMs);
    const signal = call.signal ? AbortSignal.any([call.signal, timeout]) : timeout;
    try {
      const response = await this.options.fetch(url, {
        method: call.method,
        headers,
        body: call.body === undefined ? undefined : JSON.stringify(call.body),
        signal,
      });
      const text = await response.text();
      let body: unknown;
      if (text !== '') {
        try {
          body = JSON.parse(text);
        } catch {
          body = undefined;
        }
      }
      return { response, body };
    } catch (error) {
      if (call.signal?.aborted) throw call.signal.reason;
      if (timeout.aborted) {
        const message = `${call.method} ${call.path} got no response within ${this.options.timeoutMs} ms`;
        return { failure: new TriggersError({ status: 0, code: 'timeout', message, requestId, cause: error }), sent: true };
      }
      const cause = (error as { cause?: { code?: string; message?: string } }).cause;
      const message = `${call.method} ${url.origin}${call.path} failed: ${cause?.message ?? (error as Error).message}`;
      // A refused connection never reached the server: safe to retry whatever the request.
      const sent = cause?.code !== 'ECONNREFUSED';
      return { failure: new TriggersError({ status: 0, code: 'network_error', message, requestId, cause: error }), sent };
    }
  }
}

/** The TriggersError of an error response (an accepted one too: see Call.accept). */
export function errorFromResponse(status: number, headers: Headers, body: unknown, requestId: string): TriggersError {
  const record =
    typeof body === 'object' && body !== null && !Array.isArray(body) ? (body as Record<string, unknown>) : undefined;
  return new TriggersError({
    status,
    code: typeof record?.code === 'string' ? record.code : `http_${status}`,
    message: typeof record?.error === 'string' ? record.error : `HTTP ${status}`,
    requestId: headers.get('x-request-id') ?? requestId,
    body: record,
  });
}
