import type { DeliveryJob, FanOutJob, JobWithMetadata } from '@triggers/queue';
import { ATTR, type Context, carrierOf, context, contextOf, type Span, SpanStatusCode, trace, tracer } from '@triggers/telemetry';
import type { WorkedDelivery } from '../delivery/work-delivery.js';

/**
 * The parent of a job's span: the job's own trace context (its event's), carried in its data.
 * When pg-boss's process span already continues that same trace (a batch of one), the span nests
 * under it, so the time in the queue shows; otherwise straight under the carried context.
 */
export function jobParent(carrier: unknown): Context {
  const carried = contextOf(carrier);
  const wanted = trace.getSpanContext(carried);
  const active = trace.getSpanContext(context.active());
  if (wanted && active && active.traceId === wanted.traceId) return context.active();
  return carried;
}

/**
 * One `fan out event` span per event of a fan-out batch, each in its event's trace; the delivery
 * jobs it queues carry that span's context. `run` gets the jobs' data with their new carriers.
 */
export async function traceFanOut<T extends { eventId: string }>(
  jobs: readonly JobWithMetadata<FanOutJob>[],
  run: (traced: FanOutJob[]) => Promise<T[]>,
): Promise<T[]> {
  const spans = jobs.map((job) =>
    tracer.startSpan(
      'fan out event',
      { attributes: { [ATTR.eventId]: job.data.eventId, [ATTR.orgId]: job.data.orgId } },
      jobParent(job.data.trace),
    ),
  );
  try {
    const traced = jobs.map((job, i) => {
      const carrier = carrierOf(trace.setSpan(context.active(), spans[i] as Span));
      const { trace: _previous, ...data } = job.data;
      return carrier ? { ...data, trace: carrier } : data;
    });
    const queued = await run(traced);
    for (const [i, job] of jobs.entries()) {
      (spans[i] as Span).setAttribute(ATTR.deliveryCount, queued.filter((q) => q.eventId === job.data.eventId).length);
    }
    return queued;
  } catch (error) {
    for (const span of spans) recordError(span, error);
    throw error;
  } finally {
    for (const span of spans) span.end();
  }
}

/**
 * One delivery job worked, as a `deliver webhook` span in its event's trace, active while the
 * request goes out (the HTTP client span nests under it and the request carries `traceparent`),
 * while its outcome is recorded and while it is logged (the log line carries the trace).
 */
export function traceDelivery(job: JobWithMetadata<DeliveryJob>, work: (span: Span) => Promise<void>): Promise<void> {
  const attributes = {
    [ATTR.eventId]: job.data.eventId,
    [ATTR.orgId]: job.data.orgId,
    [ATTR.subscriptionId]: job.data.subscriptionId,
    [ATTR.deliveryId]: job.data.deliveryId,
  };
  return tracer.startActiveSpan('deliver webhook', { attributes }, jobParent(job.data.trace), async (span) => {
    try {
      await work(span);
    } catch (error) {
      recordError(span, error);
      throw error;
    } finally {
      span.end();
    }
  });
}

/** The attempt on its span: attempt number, target host, status code, duration and outcome. */
export function recordWorked(span: Span, worked: WorkedDelivery): void {
  const o = worked.outcome;
  span.setAttribute(ATTR.outcome, o.effect);
  if (o.attempt) span.setAttribute(ATTR.attempt, o.attempt.attempt);
  if (worked.targetHost) span.setAttribute(ATTR.targetHost, worked.targetHost);
  if (worked.http) {
    if (worked.http.statusCode !== null) span.setAttribute(ATTR.statusCode, worked.http.statusCode);
    span.setAttribute(ATTR.durationMs, worked.http.durationMs);
    if (worked.http.error !== null && !worked.http.aborted) {
      span.setStatus({ code: SpanStatusCode.ERROR, message: worked.http.error });
    }
  }
}

function recordError(span: Span, error: unknown): void {
  if (error instanceof Error) span.recordException(error);
  span.setStatus({ code: SpanStatusCode.ERROR, message: error instanceof Error ? error.message : String(error) });
}
