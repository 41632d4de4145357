import { afterAll, beforeAll, describe, expect, test } from '@jest/globals';
import { connect, type DbHandle } from '@triggers/db';
import { createTestDatabase, type OtlpReceiver, type ReceivedSpan, startOtlpReceiver } from '@triggers/testing';
import { sql } from 'kysely';
import { type ApiProcess, startApiProcess } from './api-process.js';

const TRACE_ID = '0af7651916cd43dd8448eb211c80319c';
const PARENT_SPAN_ID = 'b7ad6b7169203331';
const TRACEPARENT = `00-${TRACE_ID}-${PARENT_SPAN_ID}-01`;
const TRACEPARENT_PATTERN = /^00-([0-9a-f]{32})-([0-9a-f]{16})-01$/;

/** The API exporting OTLP/JSON to the test's receiver, batches flushed every 50 ms. */
const tracingEnv = (receiver: OtlpReceiver) => ({
  OTEL_EXPORTER_OTLP_ENDPOINT: receiver.endpoint,
  OTEL_EXPORTER_OTLP_PROTOCOL: 'http/json',
  OTEL_BSP_SCHEDULE_DELAY: '50',
  LOG_LEVEL: 'http',
});

let url: string;
let database: DbHandle;

async function signUp(api: ApiProcess): Promise<{ id: string; key: string }> {
  const res = await fetch(`${api.base}/api/keys/generate`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ organization_name: 'Traced', tier: 'enterprise' }),
  });
  const body = (await res.json()) as { organization_id: string; api_key: string };
  return { id: body.organization_id, key: body.api_key };
}

async function post(api: ApiProcess, key: string, path: string, body: unknown, headers: Record<string, string> = {}) {
  const res = await fetch(`${api.base}${path}`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', 'x-api-key': key, ...headers },
    body: JSON.stringify(body),
  });
  return { status: res.status, body: (await res.json()) as Record<string, unknown> };
}

/** The trace context stored with the event's job (the job's data), if any. */
async function jobTrace(eventId: string): Promise<Record<string, string> | null> {
  const { rows } = await sql<{ trace: Record<string, string> | null }>`
    SELECT data->'trace' AS trace FROM pgboss.job WHERE data->>'eventId' = ${eventId}`.execute(database.db);
  expect(rows).toHaveLength(1);
  return rows[0]?.trace ?? null;
}

const named = (spans: ReceivedSpan[], name: string) => spans.filter((s) => s.name === name);

beforeAll(async () => {
  url = await createTestDatabase();
  database = connect({ connectionString: url, max: 2 });
});
afterAll(async () => {
  await database.close();
});

describe('with OTEL_EXPORTER_OTLP_ENDPOINT set', () => {
  let receiver: OtlpReceiver;
  let api: ApiProcess;
  let org: { id: string; key: string };

  beforeAll(async () => {
    receiver = await startOtlpReceiver();
    api = await startApiProcess(url, tracingEnv(receiver));
    org = await signUp(api);
  });
  afterAll(async () => {
    api.kill('SIGTERM');
    await api.exited;
    await receiver.close();
  });

  test("an event posted with a traceparent is ingested in the producer's trace: request span, ingest span with the event id and organization, its commit", async () => {
    const res = await post(
      api,
      org.key,
      '/api/events',
      { type: 'order.created', payload: { n: 1 } },
      { traceparent: TRACEPARENT },
    );
    expect(res.status).toBe(201);
    const eventId = res.body.id as string;

    const spans = await receiver.waitFor((all) => all.some((s) => s.name === 'ingest event' && s.traceId === TRACE_ID));
    const trace = spans.filter((s) => s.traceId === TRACE_ID);
    expect(new Set(trace.map((s) => s.service))).toEqual(new Set(['triggers-api']));
    const server = trace.find((s) => s.kind === 2 && s.name.startsWith('POST'));
    expect(server?.parentSpanId).toBe(PARENT_SPAN_ID);
    expect(server?.attributes['http.route']).toBe('/api/events');

    const [ingest] = named(trace, 'ingest event');
    expect(ingest?.attributes).toMatchObject({
      'triggers.event.id': eventId,
      'triggers.org.id': org.id,
      'triggers.event.type': 'order.created',
    });
    // The ingest span sits under the request's span; the commit's statements and pg-boss's insert under it.
    const ancestors = (span: ReceivedSpan | undefined): string[] => {
      const parent = trace.find((s) => s.spanId === span?.parentSpanId);
      return parent ? [parent.spanId, ...ancestors(parent)] : [];
    };
    expect(ancestors(ingest)).toContain(server?.spanId);
    const insert = trace.find((s) => s.name.startsWith('insert ') && s.attributes['messaging.system'] === 'pg-boss');
    expect(ancestors(insert)).toContain(ingest?.spanId);
    expect(trace.some((s) => s.attributes['db.query.text'] === 'commit' && ancestors(s).includes(ingest?.spanId ?? ''))).toBe(
      true,
    );

    // The job carries the ingest span's context: the worker's spans continue from it.
    const carried = await jobTrace(eventId);
    expect(carried?.traceparent).toBe(`00-${TRACE_ID}-${ingest?.spanId}-01`);
  });

  test('an event posted without a traceparent starts a new trace, carried by its job', async () => {
    const res = await post(api, org.key, '/api/events', { type: 'order.created', payload: {} });
    expect(res.status).toBe(201);
    const spans = await receiver.waitFor((all) =>
      all.some((s) => s.name === 'ingest event' && s.attributes['triggers.event.id'] === res.body.id),
    );
    const ingest = spans.find((s) => s.name === 'ingest event' && s.attributes['triggers.event.id'] === res.body.id);
    expect(ingest?.traceId).not.toBe(TRACE_ID);
    const server = spans.find((s) => s.traceId === ingest?.traceId && s.kind === 2);
    expect(server?.parentSpanId).toBe('');
    const carried = await jobTrace(res.body.id as string);
    expect(carried?.traceparent).toMatch(TRACEPARENT_PATTERN);
    expect(TRACEPARENT_PATTERN.exec(carried?.traceparent ?? '')?.[1]).toBe(ingest?.traceId);
  });

  test('a batch is one span linked with each event, and each event starts its own trace carried by its job', async () => {
    const res = await post(
      api,
      org.key,
      '/api/events/batch',
      { events: [{ type: 'a', payload: {} }, { type: 'b', payload: {} }, { type: 'c' }] },
      { traceparent: TRACEPARENT },
    );
    expect(res.status).toBe(200);
    const results = res.body.results as { status: number; id?: string }[];
    expect(results.map((r) => r.status)).toEqual([201, 201, 422]);
    const ids = results.slice(0, 2).map((r) => r.id as string);

    const spans = await receiver.waitFor((all) => all.some((s) => s.name === 'ingest batch'));
    const [batch] = named(spans, 'ingest batch');
    expect(batch?.traceId).toBe(TRACE_ID);
    expect(batch?.attributes).toMatchObject({ 'triggers.org.id': org.id, 'triggers.event.count': 2 });
    const events = ids.map((id) => spans.find((s) => s.name === 'ingest event' && s.attributes['triggers.event.id'] === id));
    expect(batch?.links.map((l) => l.attributes['triggers.event.id'])).toEqual(ids);
    for (const [i, event] of events.entries()) {
      expect(event?.parentSpanId).toBe('');
      expect(event?.traceId).not.toBe(TRACE_ID);
      expect(event?.links).toEqual([{ traceId: TRACE_ID, spanId: batch?.spanId, attributes: {} }]);
      expect(batch?.links[i]).toMatchObject({ traceId: event?.traceId, spanId: event?.spanId });
      expect((await jobTrace(ids[i] as string))?.traceparent).toBe(`00-${event?.traceId}-${event?.spanId}-01`);
    }
  });

  test('log lines written inside a traced request carry its trace_id and span_id', async () => {
    await post(api, org.key, '/api/events', { type: 'logged', payload: {} }, { traceparent: TRACEPARENT });
    const line = await api.waitFor((l) => l.message === 'request' && l.route === '/api/events' && l.trace_id === TRACE_ID);
    expect(line.span_id).toMatch(/^[0-9a-f]{16}$/);
    expect(line.span_id).not.toBe(PARENT_SPAN_ID);
    // Lines outside any request have none.
    expect(api.logs.find((l) => l.message === 'api listening')?.trace_id).toBeUndefined();
  });
});

describe('without an OTLP endpoint', () => {
  test('no SDK starts: a traceparent is not continued, the job carries no trace context and logs have no trace ids', async () => {
    const api = await startApiProcess(url, { LOG_LEVEL: 'http' });
    try {
      const org = await signUp(api);
      const res = await post(api, org.key, '/api/events', { type: 'untraced', payload: {} }, { traceparent: TRACEPARENT });
      expect(res.status).toBe(201);
      expect(await jobTrace(res.body.id as string)).toBeNull();
      const line = await api.waitFor((l) => l.message === 'request' && l.route === '/api/events');
      expect(line.trace_id).toBeUndefined();
      expect(api.logs.some((l) => 'trace_id' in l)).toBe(false);
    } finally {
      api.kill('SIGTERM');
      await api.exited;
    }
  });
});
