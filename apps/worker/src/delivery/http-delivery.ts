import got, { RequestError } from 'got';
import type { DeliveryRequest } from './delivery-request.js';
import { parseRetryAfter } from './retry-after.js';
import { type DeliveryAgents, isRefusedAddressError } from './ssrf-agent.js';

/** How much of a response body is kept for the attempt's error text. */
const BODY_SNIPPET_BYTES = 512;

export interface HttpOutcome {
  /** The response's status, or null when none came (timeout, refused, connection error). */
  statusCode: number | null;
  /** Null for a 2xx; otherwise what went wrong, for `delivery_attempts.error` and `last_error`. */
  error: string | null;
  /** From a 429 or 503's Retry-After, capped at an hour. */
  retryAfterSeconds: number | null;
  durationMs: number;
  /** The delivery was abandoned because the worker is stopping: not an attempt to record. */
  aborted: boolean;
}

export interface HttpDeliveryOptions {
  agents: DeliveryAgents;
  timeoutMs: number;
}

/**
 * POSTs deliveries with got: no redirects (a 3xx is a failure), no retries of got's own (the
 * queue owns retries), one overall timeout. Success is a 2xx status within the timeout; the body
 * is read only as far as an error snippet needs.
 */
export class HttpDelivery {
  constructor(private readonly options: HttpDeliveryOptions) {}

  async post(request: DeliveryRequest, signal?: AbortSignal): Promise<HttpOutcome> {
    const started = performance.now();
    const elapsed = () => Math.round(performance.now() - started);
    const stream = got.stream.post(request.url, {
      body: request.body,
      headers: request.headers,
      agent: this.options.agents,
      followRedirect: false,
      throwHttpErrors: false,
      retry: { limit: 0 },
      timeout: { request: this.options.timeoutMs },
      decompress: false,
      signal,
    });
    try {
      const response = await new Promise<{ statusCode: number; headers: Record<string, string | string[] | undefined> }>(
        (resolve, reject) => {
          stream.once('response', resolve);
          stream.once('error', reject);
        },
      );
      const durationMs = elapsed();
      const statusCode = response.statusCode;
      if (statusCode >= 200 && statusCode < 300) {
        await drain(stream, 64 * 1024);
        return { statusCode, error: null, retryAfterSeconds: null, durationMs, aborted: false };
      }
      const snippet = await drain(stream, BODY_SNIPPET_BYTES);
      const location = statusCode >= 300 && statusCode < 400 ? response.headers.location : undefined;
      const detail = location ? ` (redirect to ${String(location)} not followed)` : snippet ? `: ${snippet}` : '';
      return {
        statusCode,
        error: `HTTP ${statusCode}${detail}`,
        retryAfterSeconds: statusCode === 429 || statusCode === 503 ? parseRetryAfter(response.headers['retry-after']) : null,
        durationMs,
        aborted: false,
      };
    } catch (error) {
      stream.destroy();
      return {
        statusCode: null,
        error: describeError(error, this.options.timeoutMs),
        retryAfterSeconds: null,
        durationMs: elapsed(),
        aborted: signal?.aborted ?? false,
      };
    }
  }
}

/**
 * Reads the response body up to `limit` bytes and returns it as text (for an error snippet).
 * A body that is fully read leaves the socket free for keep-alive; a longer one is cut off.
 */
async function drain(stream: NodeJS.ReadableStream & { destroy(): void }, limit: number): Promise<string> {
  const chunks: Buffer[] = [];
  let size = 0;
  try {
    for await (const chunk of stream) {
      const buffer = chunk as Buffer;
      if (size < BODY_SNIPPET_BYTES) chunks.push(buffer);
      size += buffer.length;
      if (size > limit) {
        stream.destroy();
        break;
      }
    }
  } catch {
    // The status is what counts; a body cut short changes nothing.
  }
  return storable(Buffer.concat(chunks).subarray(0, BODY_SNIPPET_BYTES).toString('utf8').replace(/\s+/g, ' ').trim());
}

/** Text Postgres can store: a receiver's NUL bytes become U+FFFD. */
function storable(text: string): string {
  return text.replaceAll('\u0000', '\ufffd');
}

function describeError(error: unknown, timeoutMs: number): string {
  return storable(describeErrorText(error, timeoutMs));
}

function describeErrorText(error: unknown, timeoutMs: number): string {
  if (isRefusedAddressError(error)) {
    return `refused: the webhook address is private, loopback, link-local or metadata (${(error as Error).message})`;
  }
  if (error instanceof RequestError) {
    if (error.name === 'TimeoutError') return `timeout: no response within ${timeoutMs} ms`;
    if (error.code === 'ERR_ABORTED' || error.name === 'AbortError') return 'aborted: the worker stopped';
    return error.code ? `${error.code}: ${error.message}` : error.message;
  }
  return error instanceof Error ? error.message : String(error);
}
