import { randomUUID } from 'node:crypto';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterEach, describe, expect, test } from '@jest/globals';
import { TriggersClient, type TriggersClientOptions, TriggersError } from '../src/index.js';
import { type SeenRequest, startServer, type TestServer } from './helpers/servers.js';

const servers: TestServer[] = [];
afterEach(async () => {
  for (const s of servers.splice(0)) await s.close();
});

type Answer = { status: number; headers?: Record<string, string>; body?: unknown } | 'drop' | 'hang';

/** A server that answers its n-th request with answers[n] (the last one after that). */
async function scripted(...answers: Answer[]): Promise<TestServer> {
  const s = await startServer((_request: SeenRequest, index, res) => {
    const answer = answers[Math.min(index, answers.length - 1)] as Answer;
    if (answer === 'drop') return void res.socket?.destroy();
    if (answer === 'hang') return;
    const body = typeof answer.body === 'string' ? answer.body : JSON.stringify(answer.body ?? {});
    res.writeHead(answer.status, { 'content-type': 'application/json', ...answer.headers });
    res.end(body);
  });
  servers.push(s);
  return s;
}

/** A client whose waits are recorded, not slept: tests never sit through a real backoff. */
function clientFor(baseUrl: string, options: Partial<TriggersClientOptions> = {}) {
  const sleeps: number[] = [];
  const client = new TriggersClient({
    baseUrl,
    apiKey: 'zap_live_test',
    sleep: async (ms) => {
      sleeps.push(ms);
    },
    random: () => 0,
    ...options,
  });
  return { client, sleeps };
}

async function failure(promise: Promise<unknown>): Promise<TriggersError> {
  try {
    await promise;
  } catch (error) {
    if (error instanceof TriggersError) return error;
    throw error;
  }
  throw new Error('the call succeeded');
}

const event = { id: randomUUID(), type: 't', payload: {}, dedup_id: null, status: 'pending', attempts: 0 };

describe('retries', () => {
  test('a 5xx is retried with exponential backoff, the same X-Request-ID on every attempt', async () => {
    const s = await scripted({ status: 503 }, { status: 502 }, { status: 500 }, { status: 200, body: event });
    const { client, sleeps } = clientFor(s.url);
    expect(await client.events.get(event.id)).toEqual(event);
    expect(s.requests).toHaveLength(4);
    // Equal jitter with random() = 0: half of base × 2^(n−1).
    expect(sleeps).toEqual([250, 500, 1000]);
    expect(new Set(s.requests.map((r) => r.headers['x-request-id'])).size).toBe(1);
  });

  test('backoff never exceeds maxDelayMs, and the random part at most doubles the lower half', async () => {
    const s = await scripted({ status: 503 }, { status: 503 }, { status: 503 }, { status: 503 }, { status: 200, body: event });
    const { client, sleeps } = clientFor(s.url, { random: () => 0.999, retry: { baseDelayMs: 1000, maxDelayMs: 3000 } });
    await client.events.get(event.id);
    expect(sleeps).toEqual([1000, 1999, 2999, 2999]);
  });

  test('a 429 waits for its Retry-After seconds', async () => {
    const limited = {
      status: 429,
      headers: { 'retry-after': '7' },
      body: { error: 'Rate limit exceeded', code: 'rate_limited' },
    };
    const s = await scripted(limited, { status: 200, body: event });
    const { client, sleeps } = clientFor(s.url);
    await client.events.get(event.id);
    expect(sleeps).toEqual([7000]);
  });

  test('a Retry-After given as an HTTP date is read against the injected clock', async () => {
    const now = Date.parse('2026-01-15T09:30:00Z');
    const s = await scripted(
      { status: 503, headers: { 'retry-after': 'Thu, 15 Jan 2026 09:30:12 GMT' } },
      { status: 200, body: event },
    );
    const { client, sleeps } = clientFor(s.url, { now: () => now });
    await client.events.get(event.id);
    expect(sleeps).toEqual([12_000]);
  });

  test('a Retry-After longer than maxRetryAfterMs is not waited for: the 429 is thrown at once', async () => {
    const body = {
      error: 'Rate limit exceeded',
      code: 'rate_limited',
      limit: 100,
      window: '1 minute',
      retry_after: 59,
      request_id: 'r-1',
    };
    const s = await scripted({ status: 429, headers: { 'retry-after': '59', 'x-request-id': 'r-1' }, body });
    const { client, sleeps } = clientFor(s.url, { retry: { maxRetryAfterMs: 30_000 } });
    const error = await failure(client.events.get(event.id));
    expect([error.status, error.code, error.requestId, error.body?.retry_after]).toEqual([429, 'rate_limited', 'r-1', 59]);
    expect(sleeps).toEqual([]);
  });

  test('after maxRetries the last error is thrown', async () => {
    const s = await scripted({ status: 503, body: { error: 'Service temporarily unavailable', code: 'database_unavailable' } });
    const { client, sleeps } = clientFor(s.url, { retry: { maxRetries: 2 } });
    const error = await failure(client.inbox.list());
    expect([error.status, error.code, error.message]).toEqual([503, 'database_unavailable', 'Service temporarily unavailable']);
    expect(s.requests).toHaveLength(3);
    expect(sleeps).toHaveLength(2);
  });

  test('a lost connection is retried for a request that is safe to repeat', async () => {
    const s = await scripted('drop', { status: 200, body: event });
    const { client } = clientFor(s.url);
    expect(await client.events.get(event.id)).toEqual(event);
    expect(s.requests).toHaveLength(2);
  });

  test('a request that is not safe to repeat is not sent again after a 5xx or a lost connection', async () => {
    for (const answer of ['drop', { status: 500 }] as const) {
      const s = await scripted(answer, { status: 202, body: { replayed: 1 } });
      const { client } = clientFor(s.url);
      const error = await failure(client.events.replay({ from: '2026-01-01T00:00:00Z', to: '2026-01-02T00:00:00Z' }));
      expect(error.code).toBe(answer === 'drop' ? 'network_error' : 'http_500');
      expect(s.requests).toHaveLength(1);
    }
  });

  test('a refused connection is retried whatever the request: it never reached a server', async () => {
    const closed = http.createServer();
    await new Promise<void>((resolve) => closed.listen(0, '127.0.0.1', resolve));
    const { port } = closed.address() as AddressInfo;
    await new Promise((resolve) => closed.close(resolve));
    const { client, sleeps } = clientFor(`http://127.0.0.1:${port}`, { retry: { maxRetries: 2 } });
    const error = await failure(client.events.replay({ from: '2026-01-01T00:00:00Z', to: '2026-01-02T00:00:00Z' }));
    expect([error.status, error.code]).toEqual([0, 'network_error']);
    expect(error.message).toContain('ECONNREFUSED');
    expect(sleeps).toHaveLength(2);
  });

  test('an attempt with no answer within timeoutMs fails with code timeout', async () => {
    const s = await scripted('hang');
    const { client } = clientFor(s.url, { timeoutMs: 200, retry: { maxRetries: 1 } });
    const error = await failure(client.events.get(event.id));
    expect([error.status, error.code]).toEqual([0, 'timeout']);
    expect(s.requests).toHaveLength(2);
  });

  test('an error answer that is not JSON still gives status, an http_ code and the request id', async () => {
    const s = await scripted({ status: 404, body: '<html>not here</html>' });
    const { client } = clientFor(s.url);
    const error = await failure(client.events.get(event.id));
    expect([error.status, error.code]).toEqual([404, 'http_404']);
    expect(error.requestId).toBe(s.requests[0]?.headers['x-request-id']);
  });

  test('a base URL with a path keeps it, with or without a trailing slash', async () => {
    const s = await scripted({ status: 200, body: event });
    for (const base of [`${s.url}/triggers`, `${s.url}/triggers/`]) await clientFor(base).client.events.get(event.id);
    expect(s.requests.map((r) => r.url)).toEqual([`/triggers/api/events/${event.id}`, `/triggers/api/events/${event.id}`]);
  });

  test('a client with no API key fails at once with missing_api_key, sending nothing', async () => {
    const s = await scripted({ status: 200, body: event });
    const { client, sleeps } = clientFor(s.url, { apiKey: undefined });
    const error = await failure(client.events.get(event.id));
    expect([error.status, error.code]).toEqual([0, 'missing_api_key']);
    expect([s.requests.length, sleeps.length]).toEqual([0, 0]);
  });

  test('onRetry is told each retry with its attempt, wait and reason', async () => {
    const s = await scripted({ status: 429, headers: { 'retry-after': '2' } }, 'drop', { status: 200, body: event });
    const seen: unknown[] = [];
    const { client } = clientFor(s.url, { onRetry: (info) => seen.push(info) });
    await client.events.get(event.id);
    expect(seen).toEqual([
      { method: 'GET', path: `/api/events/${event.id}`, attempt: 2, delayMs: 2000, reason: '429' },
      { method: 'GET', path: `/api/events/${event.id}`, attempt: 3, delayMs: 500, reason: 'network_error' },
    ]);
  });
});

describe('cancelling', () => {
  test("a call's signal cuts a retry wait short with its abort reason", async () => {
    const s = await scripted({ status: 503, headers: { 'retry-after': '30' } });
    const client = new TriggersClient({ baseUrl: s.url, apiKey: 'k' });
    const controller = new AbortController();
    const call = client.events.get(event.id, { signal: controller.signal });
    await new Promise((resolve) => setTimeout(resolve, 200));
    controller.abort(new Error('stopped by the caller'));
    await expect(call).rejects.toThrow('stopped by the caller');
    expect(s.requests).toHaveLength(1);
  });
});
