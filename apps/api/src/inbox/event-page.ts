import type { Response } from 'express';
import { presentInboxEvent } from '../events/events.presenter.js';
import { type SizedEvent, withPayloadJson } from '../events/payload-text.js';
import type { MemoryBudget } from '../memory/budget.js';
import { pageHeapCost } from '../memory/limits.js';
import { MAX_RESPONSE_PAYLOAD_BYTES } from './payload-cap.js';

/**
 * A page of events (the inbox's, and a lease's to come) is bounded by bytes as well as by count,
 * and never holds a payload parsed: a payload of 256 KB of `{},` is 87,000 objects, 5 MB of heap
 * parsed. So a page is read in two steps: first the events without their payloads but with each
 * payload's size (`payloadBytes`, computed in the database), which `fitPage` cuts at
 * MAX_RESPONSE_PAYLOAD_BYTES; then, with the page's heap reserved, the payloads of the events kept, as
 * JSON text, which `sendEventPage` splices into the response as they are.
 */

/** An event of a page before its payload is read. */
export type PageEvent = SizedEvent;

/**
 * How many of `events` (in page order) a page takes: at most `limit`, and each while the payloads
 * before it are under MAX_RESPONSE_PAYLOAD_BYTES (the rule of payload-cap.ts, which leases apply
 * in SQL): at least one, at most the cap plus one payload.
 */
export function fitPage(
  events: readonly { payload_bytes: number }[],
  limit: number,
  maxBytes = MAX_RESPONSE_PAYLOAD_BYTES,
): number {
  let before = 0;
  let taken = 0;
  for (const event of events) {
    if (taken === limit || before >= maxBytes) break;
    before += event.payload_bytes;
    taken++;
  }
  return taken;
}

/** One event as the inbox presents it, with `payloadJson` spliced in as its payload. */
export function eventJson(event: PageEvent, payloadJson: string): string {
  return withPayloadJson(presentInboxEvent({ ...event, payload: {} }), payloadJson);
}

/** Inner members of a JSON object (`{"a":1}` → `"a":1`), to join with others. */
const members = (fields: Record<string, unknown>) => JSON.stringify(fields).slice(1, -1);

export interface EventPageBody {
  /** Fields written before `events`. */
  before?: Record<string, unknown>;
  events: PageEvent[];
  /** Fields written after `events`. */
  after?: Record<string, unknown>;
}

/**
 * Answers 200 with `{...before, "events": [...], ...after}`. Reserves the page's heap from
 * `budget` (memory/limits.ts, pageHeapCost), reads the payloads with `loadPayloads` (id → JSON
 * text; an event whose payload is missing, deleted in between, is left out), and hands the body
 * to the socket one event at a time as buffers, outside the heap; the reservation is given back
 * once all of it has been handed over.
 */
export async function sendEventPage(
  res: Response,
  budget: MemoryBudget,
  body: EventPageBody,
  loadPayloads: (ids: string[]) => Promise<Map<string, string>>,
): Promise<void> {
  const { events } = body;
  let total = 0;
  let largest = 0;
  for (const event of events) {
    total += event.payload_bytes;
    largest = Math.max(largest, event.payload_bytes);
  }
  const release = await budget.reserve(pageHeapCost(total, largest, events.length));
  try {
    const payloads = events.length > 0 ? await loadPayloads(events.map((e) => e.id)) : new Map<string, string>();
    // Answered meanwhile (REQUEST_TIMEOUT_MS) or the caller gone: writing now would be an error.
    if (res.headersSent || res.destroyed) return;
    const before = members(body.before ?? {});
    res.status(200).type('application/json');
    res.write(`{${before}${before ? ',' : ''}"events":[`);
    let first = true;
    for (const event of events) {
      const payload = payloads.get(event.id);
      if (payload === undefined) continue;
      payloads.delete(event.id);
      res.write(Buffer.from(`${first ? '' : ','}${eventJson(event, payload)}`));
      first = false;
    }
    const after = members(body.after ?? {});
    res.end(`]${after ? ',' : ''}${after}}`);
  } finally {
    release();
  }
}
