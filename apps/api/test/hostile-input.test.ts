import { once } from 'node:events';
import type http from 'node:http';
import net from 'node:net';
import { afterAll, beforeAll, describe, expect, test } from '@jest/globals';
import { connect, type DbHandle } from '@triggers/db';
import { createTestDatabase } from '@triggers/testing';
import { sql } from 'kysely';
import { appNodeArgs } from '../../../scripts/lib/app-command.js';
import { createServer } from '../src/http/server.js';
import { MAX_RESPONSE_PAYLOAD_BYTES } from '../src/inbox/payload-cap.js';
import { API_HEAP_BYTES, BATCH_BODY } from '../src/memory/limits.js';
import { type ApiProcess, startApiProcess } from './api-process.js';
import { startApi, type TestApi } from './helpers.js';

/*
 * Requests a hostile or careless caller sends (issue 12), each against the API process started
 * as in production (a 128 MiB heap), with the exact status and code it must get; the process must
 * still answer /health afterwards. Every body is built here.
 */

let url: string;
let api: ApiProcess;
let db: DbHandle;
let key: string;

interface Reply {
  status: number;
  body: Record<string, unknown>;
  headers: Headers;
}

async function call(method: string, path: string, body?: string, apiKey = key): Promise<Reply> {
  const res = await fetch(`${api.base}${path}`, {
    method,
    headers: { 'content-type': 'application/json', 'x-api-key': apiKey },
    body,
  });
  const text = await res.text();
  return { status: res.status, body: text ? JSON.parse(text) : {}, headers: res.headers };
}

async function signUp(tier: string): Promise<{ api_key: string; organization_id: string }> {
  const res = await call('POST', '/api/keys/generate', JSON.stringify({ organization_name: `Hostile ${tier}`, tier }));
  expect(res.status).toBe(201);
  return res.body as { api_key: string; organization_id: string };
}

/** `{"events":[{"type":"a","payload":{"x":[{},{},…]}}]}` with `count` empty objects. */
const emptyObjectsBatch = (count: number) => `{"events":[{"type":"a","payload":{"x":[${'{},'.repeat(count - 1)}{}]}}]}`;

/** A payload nested `depth` levels deep: `{"a":{"a":…1…}}`. */
const nested = (depth: number) => `${'{"a":'.repeat(depth - 1)}{"a":1}${'}'.repeat(depth - 1)}`;

beforeAll(async () => {
  url = await createTestDatabase();
  db = connect({ connectionString: url, max: 2 });
  // These tests are about memory, not time: generous database and request bounds keep a busy
  // machine's slow reads of many 256 KB payloads from turning into 503s (database-unavailable.test.ts
  // tests those bounds).
  api = await startApiProcess(url, { DATABASE_STATEMENT_TIMEOUT_MS: '60000', REQUEST_TIMEOUT_MS: '120000' });
  ({ api_key: key } = await signUp('enterprise'));
});

afterAll(async () => {
  if (api.child.exitCode === null && api.child.signalCode === null) api.kill('SIGTERM');
  await api.exited;
  await db.close();
});

/** Fails with the end of the API's output unless it still answers /health with 200. */
async function expectAlive(): Promise<void> {
  const health = await fetch(`${api.base}/health`).catch(() => undefined);
  if (health?.status !== 200) throw new Error(`the API did not survive: ${api.output().slice(-3000)}`);
}

describe('the API process under hostile input (it runs as in production)', () => {
  test('runs with the heap its memory limits are computed for, as production does', () => {
    const flag = `--max-old-space-size=${API_HEAP_BYTES / 1024 / 1024}`;
    expect(appNodeArgs('api')).toContain(flag);
    expect(api.child.spawnargs).toContain(flag);
  });

  test.each([
    ['8 MB', 2_800_000],
    ['16 MB', 5_600_000],
  ])('a batch of %s of empty objects (issue 12) answers 413 payload_too_large', async (_size, count) => {
    const res = await call('POST', '/api/events/batch', emptyObjectsBatch(count));
    expect(res.status).toBe(413);
    expect(res.body).toEqual({ error: 'Request body is too large', code: 'payload_too_large', request_id: expect.any(String) });
  });

  test('a batch under the byte limit but holding more JSON values than the limit answers 413 payload_too_large', async () => {
    const body = emptyObjectsBatch(BATCH_BODY.values);
    expect(body.length).toBeLessThan(BATCH_BODY.bytes);
    const res = await call('POST', '/api/events/batch', body);
    expect(res.status).toBe(413);
    expect(res.body.code).toBe('payload_too_large');
  });

  test('one event holding more values than any 256 KB payload can answers 413 payload_too_large', async () => {
    const res = await call('POST', '/api/events', `{"type":"a","payload":{"x":[${'0,'.repeat(140_000)}0]}}`);
    expect(res.status).toBe(413);
    expect(res.body).toEqual({ error: 'Payload exceeds 256KB limit', code: 'payload_too_large', request_id: expect.any(String) });
  });

  test('ten concurrent batches as heavy as the limits allow are each answered, none kills the process', async () => {
    // 4 MiB of text that needs UTF-16 (one €) and 16 events of 256 KB: the most heap per byte.
    const payload = `{"x":"€${'a'.repeat(261_000)}"}`;
    const events = Array.from({ length: 15 }, () => `{"type":"heavy","payload":${payload}}`);
    const body = `{"events":[${events.join(',')}]}`;
    expect(Buffer.byteLength(body)).toBeLessThan(BATCH_BODY.bytes);
    const replies = await Promise.all(Array.from({ length: 10 }, () => call('POST', '/api/events/batch', body)));
    for (const reply of replies) {
      if (reply.status === 200)
        expect((reply.body.results as { status: number }[]).map((r) => r.status)).toEqual(Array(15).fill(201));
      // Its turn for the heap did not come within 5 s, or (on a busy machine) REQUEST_TIMEOUT_MS passed.
      else expect([reply.status, reply.body.code]).toEqual([503, expect.stringMatching(/^(server_busy|database_unavailable)$/)]);
    }
    await expectAlive();
  });

  test('a payload nested 4,100 levels deep answers 422 validation_error naming payload', async () => {
    const res = await call('POST', '/api/events', `{"type":"deep","payload":${nested(4100)}}`);
    expect(res.status).toBe(422);
    expect(res.body).toMatchObject({
      code: 'validation_error',
      details: [{ field: 'payload', message: expect.stringMatching(/64 levels/) }],
    });
  });

  test('in a batch, only the event nested too deep is refused (422); the others are stored (201)', async () => {
    const body = `{"events":[{"type":"ok","payload":{}},{"type":"deep","payload":${nested(4100)}},{"type":"ok","payload":${nested(64)}}]}`;
    const res = await call('POST', '/api/events/batch', body);
    expect(res.status).toBe(200);
    const results = res.body.results as Record<string, unknown>[];
    expect(results.map((r) => r.status)).toEqual([201, 422, 201]);
    expect(results[1]).toMatchObject({ code: 'validation_error', details: [{ field: 'payload' }] });
  });

  test('a payload nested exactly 64 levels is accepted and 65 is refused', async () => {
    expect((await call('POST', '/api/events', `{"type":"d","payload":${nested(64)}}`)).status).toBe(201);
    const res = await call('POST', '/api/events', `{"type":"d","payload":${nested(65)}}`);
    expect([res.status, res.body.code]).toEqual([422, 'validation_error']);
  });

  test('a payload of 256 KB holding an array of 131,000 numbers is stored (it overflowed the stack: 500)', async () => {
    const res = await call('POST', '/api/events', `{"type":"numbers","payload":{"x":[${'0,'.repeat(130_999)}0]}}`);
    expect(res.status).toBe(201);
  });

  test('a body nested deeper than 64 levels on any other route answers 422 validation_error naming body', async () => {
    const res = await call('POST', '/api/webhook/config', `{"webhook_url":${'['.repeat(100)}${']'.repeat(100)}}`);
    expect(res.status).toBe(422);
    expect(res.body).toMatchObject({ code: 'validation_error', details: [{ field: 'body' }] });
  });

  test('a batch larger than the whole per-minute budget of the tier answers 422 validation_error, not 429', async () => {
    const free = await signUp('free');
    const events = Array.from({ length: 101 }, () => ({ type: 'x', payload: {} }));
    const res = await call('POST', '/api/events/batch', JSON.stringify({ events }), free.api_key);
    expect(res.status).toBe(422);
    expect(res.body).toMatchObject({ code: 'validation_error', details: [{ field: 'events' }] });
  });

  test('headers over 16 KB answer 431 with the JSON error body', async () => {
    const response = await rawExchange(api.base, [`GET /health HTTP/1.1\r\nHost: x\r\nX-Big: ${'a'.repeat(20_000)}\r\n\r\n`]);
    expectJsonError(response, 431, 'headers_too_large');
  });

  test('a malformed request answers 400 with the JSON error body', async () => {
    const response = await rawExchange(api.base, ['GET /health HTTP/1.1\r\nHost: x\r\nNo colon here\r\n\r\n']);
    expectJsonError(response, 400, 'bad_request');
  });

  test.each([
    '/docs/assets/package.json',
    '/docs/assets/index.html',
    '/docs/assets/swagger-ui.js',
    '/docs/assets/swagger-ui-bundle.js.map',
  ])('%s, a swagger-ui-dist file the docs page does not load, answers 404', async (path) => {
    const res = await fetch(`${api.base}${path}`);
    expect(res.status).toBe(404);
    expect(((await res.json()) as { code: string }).code).toBe('not_found');
  });
});

describe('the inbox of 200 events of 256 KB (issue 12)', () => {
  let inboxKey: string;
  let inboxOrgId: string;

  beforeAll(async () => {
    ({ api_key: inboxKey, organization_id: inboxOrgId } = await signUp('enterprise'));
    // Half of them 256 KB of text, half 87,000 empty objects (5 MB of heap each, parsed).
    const text = JSON.stringify({ x: 'a'.repeat(262_000) });
    const objects = `{"x":[${'{},'.repeat(86_999)}{}]}`;
    for (const [i, payload] of [text, objects].entries()) {
      await sql`
        INSERT INTO events (id, org_id, type, payload, created_at)
        SELECT gen_random_uuid(), ${inboxOrgId}, 'big', ${payload}::jsonb, now() - make_interval(secs => n * 2 + ${i})
        FROM generate_series(1, 100) AS n`.execute(db.db);
    }
  });

  /** Payload sizes as JSON text, in inbox order: what a page is cut by. */
  async function sizesInOrder(): Promise<{ id: string; bytes: number }[]> {
    const { rows } = await sql<{ id: string; bytes: number }>`
      SELECT id, octet_length(payload::text) AS bytes FROM events
      WHERE org_id = ${inboxOrgId} ORDER BY created_at DESC, id DESC`.execute(db.db);
    return rows;
  }

  test('three concurrent pages of limit=200 each end at about 8 MB of payloads with has_more, and the process lives', async () => {
    const sizes = await sizesInOrder();
    const pages = await Promise.all([1, 2, 3].map(() => call('GET', '/api/inbox?limit=200', undefined, inboxKey)));
    // The page takes each event while the payloads before it are under 8 MiB.
    let fit = 0;
    for (let bytes = 0; fit < sizes.length && bytes < MAX_RESPONSE_PAYLOAD_BYTES; fit++) bytes += sizes[fit]?.bytes ?? 0;
    expect(fit).toBeLessThan(200);
    for (const page of pages) {
      expect(page.status).toBe(200);
      const events = page.body.events as { id: string }[];
      expect(events.map((e) => e.id)).toEqual(sizes.slice(0, fit).map((s) => s.id));
      expect(page.body.has_more).toBe(true);
      expect(page.body.next_cursor).toEqual(expect.any(String));
    }
  });

  test('limit=1000 pages through all 200 events by cursor, each once, in order', async () => {
    const sizes = await sizesInOrder();
    const seen: string[] = [];
    let cursor: string | null = null;
    let pages = 0;
    do {
      const query: string = cursor ? `&cursor=${cursor}` : '';
      const page = await call('GET', `/api/inbox?limit=1000${query}`, undefined, inboxKey);
      expect(page.status).toBe(200);
      const events = page.body.events as { id: string }[];
      expect(events.length).toBeGreaterThan(0);
      seen.push(...events.map((e) => e.id));
      cursor = page.body.next_cursor as string | null;
      expect(page.body.has_more).toBe(cursor !== null);
      pages++;
    } while (cursor !== null && pages < 50);
    expect(seen).toEqual(sizes.map((s) => s.id));
    expect(pages).toBeGreaterThan(5);
  });

  test('sixty concurrent reads of one event whose payload is 87,000 empty objects are each answered 200 in full', async () => {
    const { rows } = await sql<{ id: string }>`
      SELECT id FROM events WHERE org_id = ${inboxOrgId} AND payload ? 'x' AND jsonb_typeof(payload->'x') = 'array' LIMIT 1`.execute(
      db.db,
    );
    const id = rows[0]?.id as string;
    const reads = await Promise.all(Array.from({ length: 60 }, () => call('GET', `/api/events/${id}`, undefined, inboxKey)));
    for (const read of reads) {
      expect(read.status).toBe(200);
      expect((read.body.payload as { x: unknown[] }).x).toHaveLength(87_000);
    }
  });

  test('three concurrent leases of limit=100 take distinct events, each about 8 MB of payloads, and the process lives', async () => {
    // (With limit=1000 the lease statement sizes 1,000 payloads of 256 KB first: seconds a lease.)
    const body = JSON.stringify({ limit: 100, visibility_seconds: 60 });
    const leases = await Promise.all([1, 2, 3].map(() => call('POST', '/api/inbox/lease', body, inboxKey)));
    const taken = new Set<string>();
    for (const lease of leases) {
      expect(lease.status).toBe(200);
      const events = lease.body.events as { id: string; payload: unknown }[];
      expect(events.length).toBeGreaterThan(0);
      expect(events.length).toBeLessThan(200);
      const bytes = events.reduce((sum, e) => sum + Buffer.byteLength(JSON.stringify(e.payload)), 0);
      expect(bytes).toBeLessThan(MAX_RESPONSE_PAYLOAD_BYTES + 400 * 1024);
      for (const e of events) taken.add(e.id);
    }
    expect(taken.size).toBe(leases.reduce((n, l) => n + (l.body.events as unknown[]).length, 0));
    await expectAlive();
  });

  test('afterwards the process still answers /health with 200', async () => {
    await expectAlive();
    expect(api.child.exitCode).toBeNull();
  });
});

describe('a request sent too slowly (server timeouts, short ones injected)', () => {
  let app: TestApi;
  let server: http.Server;
  let base: string;

  beforeAll(async () => {
    app = await startApi();
    server = createServer(app.app, {
      headersTimeoutMs: 300,
      requestTimeoutMs: 600,
      checkIntervalMs: 50,
      keepAliveTimeoutMs: 5000,
    });
    server.listen(0, '127.0.0.1');
    await once(server, 'listening');
    base = `http://127.0.0.1:${(server.address() as net.AddressInfo).port}`;
  });

  afterAll(async () => {
    server.closeAllConnections();
    await new Promise((resolve) => server.close(resolve));
    await app.close();
  });

  test('a body trickled a byte at a time is cut at the request timeout with 408 and the JSON error body', async () => {
    const headers =
      'POST /api/keys/generate HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: 100\r\n\r\n';
    const response = await rawExchange(base, [headers, ...'{"organization_name":"slow"'.split('')], 100);
    expectJsonError(response, 408, 'request_timeout');
  });

  test('headers trickled a line at a time are cut at the headers timeout with 408 and the JSON error body', async () => {
    const lines = ['GET /health HTTP/1.1\r\n', 'Host: x\r\n', ...Array.from({ length: 20 }, (_, i) => `X-Slow-${i}: y\r\n`)];
    const response = await rawExchange(base, lines, 100);
    expectJsonError(response, 408, 'request_timeout');
  });
});

/**
 * Writes `chunks` to a new connection (`gapMs` apart, stopping once the server answers) and
 * resolves with everything the server sent before it closed the connection.
 */
async function rawExchange(base: string, chunks: string[], gapMs = 0): Promise<string> {
  const { hostname, port } = new URL(base);
  const socket = net.connect(Number(port), hostname);
  await once(socket, 'connect');
  let received = '';
  socket.on('data', (d: Buffer) => {
    received += d.toString('utf8');
  });
  const closed = new Promise<void>((resolve) => {
    socket.on('close', () => resolve());
    socket.on('error', () => {});
  });
  for (const chunk of chunks) {
    if (socket.destroyed || received !== '') break;
    socket.write(chunk);
    if (gapMs > 0) await new Promise((resolve) => setTimeout(resolve, gapMs));
  }
  await closed;
  return received;
}

function expectJsonError(response: string, status: number, code: string): void {
  const [head = '', body = ''] = response.split('\r\n\r\n');
  expect(head.split('\r\n')[0]).toMatch(new RegExp(`^HTTP/1\\.1 ${status} `));
  expect(head).toMatch(/\r\nContent-Type: application\/json/i);
  expect(head).toMatch(/\r\nX-Content-Type-Options: nosniff/i);
  expect(JSON.parse(body)).toEqual({ error: expect.any(String), code, request_id: expect.any(String) });
}
