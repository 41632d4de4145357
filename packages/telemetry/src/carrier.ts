import { type Context, context, defaultTextMapGetter, defaultTextMapSetter, ROOT_CONTEXT, trace } from '@opentelemetry/api';
import { W3CTraceContextPropagator } from '@opentelemetry/core';

/** A trace context as W3C headers (`traceparent`, maybe `tracestate`): what a job carries in its data. */
export type TraceCarrier = Record<string, string>;

/** W3C trace context only: a job stores no baggage (it may hold what a producer sent us). */
export const traceContextPropagator = new W3CTraceContextPropagator();
const w3c = traceContextPropagator;

/**
 * The trace context of `ctx` (by default the active one) to store on a job, or undefined when
 * there is no recording trace (tracing off: the job then carries nothing).
 */
export function carrierOf(ctx: Context = context.active()): TraceCarrier | undefined {
  const span = trace.getSpanContext(ctx);
  if (!span || !trace.isSpanContextValid(span)) return undefined;
  const carrier: TraceCarrier = {};
  w3c.inject(ctx, carrier, defaultTextMapSetter);
  return carrier.traceparent ? carrier : undefined;
}

/** The context a job's stored carrier continues, or the root context (a new trace) when it has none or a malformed one. */
export function contextOf(carrier: unknown): Context {
  if (!isCarrier(carrier)) return ROOT_CONTEXT;
  return w3c.extract(ROOT_CONTEXT, carrier, defaultTextMapGetter);
}

function isCarrier(value: unknown): value is TraceCarrier {
  return (
    typeof value === 'object' &&
    value !== null &&
    typeof (value as TraceCarrier).traceparent === 'string' &&
    Object.values(value).every((v) => typeof v === 'string')
  );
}
