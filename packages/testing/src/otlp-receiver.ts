import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { gunzipSync } from 'node:zlib';

type AttributeValue = string | number | boolean | null | AttributeValue[];

/** One span as the receiver decoded it from OTLP/JSON. */
export interface ReceivedSpan {
  service: string;
  scope: string;
  traceId: string;
  spanId: string;
  /** Empty for a root span. */
  parentSpanId: string;
  name: string;
  /** OTLP's SpanKind: 1 internal, 2 server, 3 client, 4 producer, 5 consumer. */
  kind: number;
  startNs: bigint;
  endNs: bigint;
  attributes: Record<string, AttributeValue>;
  links: { traceId: string; spanId: string; attributes: Record<string, AttributeValue> }[];
  /** OTLP's status code: 0 unset, 1 ok, 2 error. */
  status: number;
}

export interface OtlpReceiver {
  /** `http://127.0.0.1:<port>`: OTEL_EXPORTER_OTLP_ENDPOINT for the processes under test. */
  endpoint: string;
  /** Spans decoded so far (OTLP/JSON exports). */
  spans: ReceivedSpan[];
  /** Export requests received, of either encoding, and their body bytes. */
  stats: { requests: number; bytes: number; protobufRequests: number };
  /** Resolves once `match` holds for the spans received; rejects after `timeoutMs` with what came. */
  waitFor(match: (spans: ReceivedSpan[]) => boolean, timeoutMs?: number): Promise<ReceivedSpan[]>;
  close(): Promise<void>;
}

interface OtlpKeyValue {
  key: string;
  value?: OtlpAnyValue;
}
interface OtlpAnyValue {
  stringValue?: string;
  boolValue?: boolean;
  intValue?: string | number;
  doubleValue?: number;
  arrayValue?: { values?: OtlpAnyValue[] };
}
interface OtlpSpan {
  traceId: string;
  spanId: string;
  parentSpanId?: string;
  name: string;
  kind?: number;
  startTimeUnixNano: string | number;
  endTimeUnixNano: string | number;
  attributes?: OtlpKeyValue[];
  links?: { traceId: string; spanId: string; attributes?: OtlpKeyValue[] }[];
  status?: { code?: number };
}
interface OtlpTraceRequest {
  resourceSpans?: {
    resource?: { attributes?: OtlpKeyValue[] };
    scopeSpans?: { scope?: { name?: string }; spans?: OtlpSpan[] }[];
  }[];
}

function anyValue(value: OtlpAnyValue | undefined): AttributeValue {
  if (!value) return null;
  if (value.stringValue !== undefined) return value.stringValue;
  if (value.boolValue !== undefined) return value.boolValue;
  if (value.intValue !== undefined) return Number(value.intValue);
  if (value.doubleValue !== undefined) return value.doubleValue;
  if (value.arrayValue) return (value.arrayValue.values ?? []).map(anyValue);
  return null;
}

function attributes(list: OtlpKeyValue[] | undefined): Record<string, AttributeValue> {
  return Object.fromEntries((list ?? []).map((kv) => [kv.key, anyValue(kv.value)]));
}

/** The spans of one OTLP/JSON ExportTraceServiceRequest (ids are hex strings in OTLP/JSON). */
export function decodeOtlpJson(body: OtlpTraceRequest): ReceivedSpan[] {
  const spans: ReceivedSpan[] = [];
  for (const resource of body.resourceSpans ?? []) {
    const service = String(attributes(resource.resource?.attributes)['service.name'] ?? '');
    for (const scope of resource.scopeSpans ?? []) {
      for (const s of scope.spans ?? []) {
        spans.push({
          service,
          scope: scope.scope?.name ?? '',
          traceId: s.traceId,
          spanId: s.spanId,
          parentSpanId: s.parentSpanId ?? '',
          name: s.name,
          kind: s.kind ?? 0,
          startNs: BigInt(s.startTimeUnixNano),
          endNs: BigInt(s.endTimeUnixNano),
          attributes: attributes(s.attributes),
          links: (s.links ?? []).map((l) => ({ traceId: l.traceId, spanId: l.spanId, attributes: attributes(l.attributes) })),
          status: s.status?.code ?? 0,
        });
      }
    }
  }
  return spans;
}

/**
 * A real OTLP/HTTP trace receiver on 127.0.0.1, for tests and benchmarks: `POST /v1/traces`
 * answered as a collector would (200, an empty ExportTraceServiceResponse). OTLP/JSON bodies
 * (OTEL_EXPORTER_OTLP_PROTOCOL=http/json) are decoded into `spans`; protobuf bodies, the SDK's
 * default, are counted only.
 */
export async function startOtlpReceiver(): Promise<OtlpReceiver> {
  const spans: ReceivedSpan[] = [];
  const stats = { requests: 0, bytes: 0, protobufRequests: 0 };
  const waiters = new Set<() => void>();
  const server = http.createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => {
      if (req.method !== 'POST' || req.url !== '/v1/traces') {
        res.writeHead(404).end();
        return;
      }
      let body = Buffer.concat(chunks);
      stats.requests++;
      stats.bytes += body.length;
      if (req.headers['content-encoding'] === 'gzip') body = gunzipSync(body);
      const type = String(req.headers['content-type'] ?? '');
      if (type.startsWith('application/json')) {
        spans.push(...decodeOtlpJson(JSON.parse(body.toString('utf8')) as OtlpTraceRequest));
        res.writeHead(200, { 'content-type': 'application/json' }).end('{}');
      } else {
        stats.protobufRequests++;
        res.writeHead(200, { 'content-type': 'application/x-protobuf' }).end();
      }
      for (const check of waiters) check();
    });
  });
  server.keepAliveTimeout = 1000;
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;

  const waitFor = (match: (spans: ReceivedSpan[]) => boolean, timeoutMs = 20_000) =>
    new Promise<ReceivedSpan[]>((resolve, reject) => {
      const check = () => {
        if (!match(spans)) return;
        waiters.delete(check);
        clearTimeout(timer);
        resolve(spans);
      };
      const timer = setTimeout(() => {
        waiters.delete(check);
        const names = spans.map((s) => `${s.service}:${s.name}`).join(', ');
        reject(new Error(`the spans expected did not arrive within ${timeoutMs} ms; received: ${names}`));
      }, timeoutMs);
      waiters.add(check);
      check();
    });

  return {
    endpoint: `http://127.0.0.1:${port}`,
    spans,
    stats,
    waitFor,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
