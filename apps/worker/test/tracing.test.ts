import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, expect, test } from '@jest/globals';
import {
  type AppProcess,
  createTestDatabase,
  type OtlpReceiver,
  type ReceivedSpan,
  spawnApp,
  startOtlpReceiver,
} from '@triggers/testing';
import { type Receiver, receiverPool } from './helpers/receiver.js';

const API_MAIN = fileURLToPath(new URL('../../api/dist/main.js', import.meta.url));
const WORKER_MAIN = fileURLToPath(new URL('../dist/main.js', import.meta.url));

const TRACE_ID = '4bf92f3577b34da6a3ce929d0e0e4736';
const PRODUCER_SPAN_ID = '00f067aa0ba902b7';

const receivers = receiverPool();
let otlp: OtlpReceiver;
let target: Receiver;
let api: AppProcess;
let worker: AppProcess;
let base: string;

beforeAll(async () => {
  const url = await createTestDatabase();
  otlp = await startOtlpReceiver();
  target = await receivers.start(() => ({ status: 200 }));
  const env = {
    PATH: process.env.PATH,
    DATABASE_URL: url,
    HOST: '127.0.0.1',
    LOG_LEVEL: 'info',
    WEBHOOK_ALLOW_PRIVATE: 'true',
    OTEL_EXPORTER_OTLP_ENDPOINT: otlp.endpoint,
    OTEL_EXPORTER_OTLP_PROTOCOL: 'http/json',
    OTEL_BSP_SCHEDULE_DELAY: '50',
  };
  api = spawnApp(API_MAIN, { ...env, PORT: '0' });
  worker = spawnApp(WORKER_MAIN, { ...env, WORKER_METRICS_PORT: '0', MIGRATE_ON_START: 'false' });
  const ready = await api.waitFor((l) => l.message === 'api listening');
  base = `http://127.0.0.1:${ready.port}`;
  await worker.waitFor((l) => l.message === 'worker started');
});

afterAll(async () => {
  for (const p of [api, worker]) p?.kill('SIGTERM');
  await Promise.all([api?.exited, worker?.exited]);
  await receivers.closeAll();
  await otlp?.close();
});

async function call(path: string, init: { key?: string; body?: unknown; headers?: Record<string, string> } = {}) {
  const res = await fetch(`${base}${path}`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...(init.key && { 'x-api-key': init.key }), ...init.headers },
    body: JSON.stringify(init.body ?? {}),
  });
  return (await res.json()) as Record<string, unknown>;
}

test("one event posted with a traceparent is one trace: the API's ingest, the worker's fan-out and delivery attempt, and the receiver gets the trace in traceparent", async () => {
  const signUp = await call('/api/keys/generate', { body: { organization_name: 'Traced', tier: 'enterprise' } });
  const key = signUp.api_key as string;
  const subscription = await call('/api/subscriptions', { key, body: { target_url: target.url, event_types: ['*'] } });
  const event = await call('/api/events', {
    key,
    body: { type: 'order.created', payload: { n: 1 } },
    headers: { traceparent: `00-${TRACE_ID}-${PRODUCER_SPAN_ID}-01` },
  });

  const [request] = await target.waitFor(1);
  const sent = /^00-([0-9a-f]{32})-([0-9a-f]{16})-01$/.exec(String(request?.headers.traceparent));
  expect(sent?.[1]).toBe(TRACE_ID);

  const spans = await otlp.waitFor((all) =>
    all.some((s) => s.traceId === TRACE_ID && s.name === 'deliver webhook' && s.attributes['triggers.delivery.outcome']),
  );
  const trace = spans.filter((s) => s.traceId === TRACE_ID);
  const one = (name: string) => {
    const found = trace.filter((s) => s.name === name);
    expect(found).toHaveLength(1);
    return found[0] as ReceivedSpan;
  };
  const byId = new Map(trace.map((s) => [s.spanId, s]));
  const ancestors = (span: ReceivedSpan): ReceivedSpan[] => {
    const parent = byId.get(span.parentSpanId);
    return parent ? [parent, ...ancestors(parent)] : [];
  };

  const ingest = one('ingest event');
  const fanOut = one('fan out event');
  const deliver = one('deliver webhook');
  expect(ingest.service).toBe('triggers-api');
  expect(fanOut.service).toBe('triggers-worker');
  expect(deliver.service).toBe('triggers-worker');
  // The producer's span is the root's parent: the API's server span continues it.
  const apiServer = trace.find((s) => s.service === 'triggers-api' && s.kind === 2);
  expect(apiServer?.parentSpanId).toBe(PRODUCER_SPAN_ID);
  // Parent order: request → ingest → fan-out → delivery attempt → its HTTP request.
  expect(ancestors(ingest)).toContain(apiServer);
  expect(ancestors(fanOut)).toContain(ingest);
  expect(ancestors(deliver)).toContain(fanOut);
  const client = trace.find((s) => s.service === 'triggers-worker' && s.kind === 3 && s.parentSpanId === deliver.spanId);
  expect(client).toBeDefined();
  // The receiver's traceparent names the worker's outgoing request span.
  expect(sent?.[2]).toBe(client?.spanId);

  const port = new URL(target.url).port;
  expect(ingest.attributes).toMatchObject({ 'triggers.event.id': event.id, 'triggers.org.id': signUp.organization_id });
  expect(deliver.attributes).toMatchObject({
    'triggers.event.id': event.id,
    'triggers.subscription.id': subscription.id,
    'triggers.delivery.attempt': 1,
    'server.address': `127.0.0.1:${port}`,
    'http.response.status_code': 200,
    'triggers.delivery.outcome': 'delivered',
  });
  expect(deliver.attributes['triggers.delivery.duration_ms']).toEqual(expect.any(Number));
  // Spans start in order along the chain.
  expect(ingest.startNs <= fanOut.startNs && fanOut.startNs <= deliver.startNs).toBe(true);
  // The worker's log line of the delivery carries the trace.
  const line = await worker.waitFor((l) => l.message === 'webhook delivered');
  expect(line.trace_id).toBe(TRACE_ID);
});
