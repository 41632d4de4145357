import { context, trace } from '@opentelemetry/api';
import winston from 'winston';

export type Logger = winston.Logger;

/** Keys whose values never reach a log line, whatever their nesting. */
const SECRET_KEYS = new Set([
  'api_key',
  'apikey',
  'x-api-key',
  'authorization',
  'webhook_secret',
  'secret',
  'payload',
  'password',
]);

/**
 * What a log line keeps of an error: its name, message, code and stack. An Error's own
 * properties are not enumerable, so logged as is it would show as `{}`; and a Postgres error's
 * `detail` and `where` may quote the request's data (a payload), which logs must never hold.
 */
export function errorFields(error: unknown): Record<string, unknown> {
  if (!(error instanceof Error)) return { message: String(error) };
  const code = (error as { code?: unknown }).code;
  return { name: error.name, message: error.message, ...(code === undefined ? {} : { code }), stack: error.stack };
}

/** Redacts secrets and turns every Error given as a field (`{ err }`) into its errorFields. */
const redact = winston.format((info) => {
  for (const key of Object.keys(info)) {
    if (SECRET_KEYS.has(key.toLowerCase())) info[key] = '[redacted]';
    else if (info[key] instanceof Error) info[key] = errorFields(info[key]);
  }
  return info;
});

/**
 * Adds `trace_id` and `span_id` of the span active where the line is logged, so a log line leads
 * to its trace. With tracing off there is never an active span: nothing is added.
 */
const traceIds = winston.format((info) => {
  const span = trace.getSpanContext(context.active());
  if (span && trace.isSpanContextValid(span)) {
    info.trace_id = span.traceId;
    info.span_id = span.spanId;
  }
  return info;
});

/** One JSON object per line on stdout, with a timestamp and the service name. */
export function createLogger(options: { level?: string; service: string; silent?: boolean }): Logger {
  return winston.createLogger({
    level: options.level ?? 'info',
    silent: options.silent ?? false,
    defaultMeta: { service: options.service },
    format: winston.format.combine(
      redact(),
      traceIds(),
      winston.format.errors({ stack: true }),
      winston.format.timestamp(),
      winston.format.json(),
    ),
    transports: [new winston.transports.Console()],
  });
}
