import { ATTR, carrierOf, context, type Span, SpanStatusCode, trace, tracer } from '@triggers/telemetry';
import type { IngestOutcome, NewEventRequest } from './event-ingestor.js';

/**
 * Ingest's spans. One event: an `ingest event` span, child of the request's span (which continued
 * the producer's `traceparent`, if any); the event's jobs carry this span's context, so its
 * fan-out and delivery attempts join the producer's trace. A batch: one `ingest batch` span for
 * the request, and each event its own trace, begun by an `ingest event` span; the two are linked
 * both ways (the batch span links every event, each event links the batch). With tracing off every
 * span is the API's no-op and the jobs carry nothing.
 */
export function traceEventIngest(
  orgId: string,
  event: NewEventRequest,
  submit: (event: NewEventRequest) => Promise<IngestOutcome>,
): Promise<IngestOutcome> {
  return tracer.startActiveSpan('ingest event', { attributes: eventAttributes(orgId, event) }, async (span) => {
    try {
      const outcome = await submit({ ...event, trace: carrierOf() });
      recordOutcome(span, outcome);
      return outcome;
    } catch (error) {
      recordError(span, error);
      throw error;
    } finally {
      span.end();
    }
  });
}

export function traceBatchIngest(
  orgId: string,
  events: NewEventRequest[],
  submit: (events: NewEventRequest[]) => Promise<IngestOutcome[]>,
): Promise<IngestOutcome[]> {
  const attributes = { [ATTR.orgId]: orgId, [ATTR.eventCount]: events.length };
  return tracer.startActiveSpan('ingest batch', { attributes }, async (batch) => {
    const links = [{ context: batch.spanContext() }];
    const spans = events.map((event) =>
      tracer.startSpan('ingest event', { root: true, links, attributes: eventAttributes(orgId, event) }),
    );
    try {
      const traced = events.map((event, i) => ({
        ...event,
        trace: carrierOf(trace.setSpan(context.active(), spans[i] as Span)),
      }));
      const outcomes = await submit(traced);
      for (const [i, outcome] of outcomes.entries()) recordOutcome(spans[i] as Span, outcome);
      if (batch.isRecording()) {
        batch.addLinks(
          spans.map((span, i) => ({ context: span.spanContext(), attributes: { [ATTR.eventId]: eventId(outcomes[i]) } })),
        );
      }
      return outcomes;
    } catch (error) {
      for (const span of [...spans, batch]) recordError(span, error);
      throw error;
    } finally {
      for (const span of spans) span.end();
      batch.end();
    }
  });
}

function eventAttributes(orgId: string, event: NewEventRequest) {
  return { [ATTR.orgId]: orgId, [ATTR.eventType]: event.type };
}

function eventId(outcome: IngestOutcome | undefined): string {
  if (!outcome) return '';
  return outcome.kind === 'created' ? outcome.id : outcome.eventId;
}

/** The event's id; a duplicate is marked so and names the event it duplicates (no jobs were queued for it). */
function recordOutcome(span: Span, outcome: IngestOutcome): void {
  span.setAttribute(ATTR.eventId, eventId(outcome));
  if (outcome.kind === 'duplicate') span.setAttribute(ATTR.duplicate, true);
}

function recordError(span: Span, error: unknown): void {
  if (error instanceof Error) span.recordException(error);
  span.setStatus({ code: SpanStatusCode.ERROR, message: error instanceof Error ? error.message : String(error) });
}
