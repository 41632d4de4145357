export { type Context, context, type Link, type Span, SpanKind, SpanStatusCode, trace } from '@opentelemetry/api';
export { ATTR } from './attributes.js';
export { carrierOf, contextOf, type TraceCarrier, traceContextPropagator } from './carrier.js';
export { shutdownTracing } from './state.js';
export { tracer } from './tracer.js';
