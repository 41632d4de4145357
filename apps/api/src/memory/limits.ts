import { MAX_PAYLOAD_BYTES } from '../events/events.schema.js';

/*
 * How the API keeps within its heap, whatever it is sent (docs/operations.md, "Memory", has the
 * same arithmetic; `npm run bench:memory` measures every figure quoted here).
 *
 * The API runs with a 128 MiB old generation (`--max-old-space-size=128`, API_HEAP_BYTES); 25 MiB
 * of it is live at rest. Request bodies and pages of event payloads are the only things a caller
 * can make large, so each of them reserves its heap from one process-wide budget of 64 MiB
 * (IN_FLIGHT_HEAP_BYTES, memory/budget.ts) before it is allocated, and waits its turn (503 after
 * 5 s) when the budget is taken: 25 + 64 leaves 39 MiB for everything else.
 *
 * A body's heap is bounded by its bytes and by its number of JSON values, both known from a scan
 * of the raw bytes before JSON.parse runs (http/json-scan.ts):
 *   heap ≤ HEAP_PER_BODY_BYTE × bytes + HEAP_PER_JSON_VALUE × values
 * Bytes are held up to three times, as UTF-16 (2 bytes a character) when one character needs it:
 * the parsed strings, each payload re-encoded as JSON, and the payloads as one JSON text for the
 * INSERT; measured at most 6 bytes of heap a byte of body (8 reserved). Values cost the parsed
 * objects: an empty object is 3 bytes of text and about 60 bytes of heap (8 MiB of `{},` became
 * 163 MiB, the crash of issue 12); measured at most 73 bytes a value (80 reserved).
 *
 * The contract's largest batch, 1,000 events of 256 KB, is 250 MiB of text: twice the whole heap,
 * and 1,500 MiB of heap at 6 bytes a byte. So a batch body is limited to 4 MiB (1,000 events of
 * 4 KB) and 200,000 values: 8 × 4 MiB + 80 × 200,000 = 47 MiB reserved at most, so one such batch
 * is handled at a time beside the smaller requests. A bigger body is refused with 413
 * `payload_too_large` (API.md allows it for an oversized body) before it is read whole.
 */

/** The API's old-generation heap: `--max-old-space-size` in `npm run start:api` and Dockerfile.api (a test holds them equal). */
export const API_HEAP_BYTES = 128 * 1024 * 1024;

/** Heap all request bodies and event pages in flight may hold together. */
export const IN_FLIGHT_HEAP_BYTES = 64 * 1024 * 1024;

/**
 * How long a request waits for its share of IN_FLIGHT_HEAP_BYTES before it is answered 503
 * `server_busy`: well within REQUEST_TIMEOUT_MS (10 s by default), which would answer it 503
 * `database_unavailable`, the wrong reason.
 */
export const HEAP_WAIT_MS = 5_000;

/** Heap per byte of a JSON body, at worst (measured 6: text that needs UTF-16, held three times). */
export const HEAP_PER_BODY_BYTE = 8;

/** Heap per JSON value of a body, at worst (measured 73: object keys and empty objects). */
export const HEAP_PER_JSON_VALUE = 80;

/** The heap a JSON body of `bytes` bytes holding `values` values may take while it is handled. */
export function bodyHeapCost(bytes: number, values: number): number {
  return HEAP_PER_BODY_BYTE * bytes + HEAP_PER_JSON_VALUE * values;
}

/** What a body may be, by route. */
export interface BodyLimit {
  /** Bytes, after any Content-Encoding is undone. */
  bytes: number;
  /** JSON values (objects, arrays, strings, numbers, literals and object keys). */
  values: number;
}

/** POST /api/events/batch: 4 MiB, 200,000 values (47 MiB of heap at worst). */
export const BATCH_BODY: BodyLimit = { bytes: 4 * 1024 * 1024, values: 200_000 };

/**
 * POST /api/events. A payload of at most 262,144 bytes holds at most 131,073 values (each takes
 * a byte and a separator), so more values than that (and the event's own few) cannot be a valid
 * event: 413 like any payload over 256 KB. 1 MiB of text leaves room for whitespace.
 */
export const EVENT_BODY: BodyLimit = { bytes: 1024 * 1024, values: MAX_PAYLOAD_BYTES / 2 + 1 + 16 };

/** Every other JSON body (acks of 1,000 ids are about 40 KB). */
export const OTHER_BODY: BodyLimit = { bytes: 256 * 1024, values: 10_000 };

/** POST /api/keys/generate, before any key is checked. */
export const SIGNUP_BODY: BodyLimit = { bytes: 64 * 1024, values: 1_000 };

/** Heap per event of a page besides its payload: its other fields, and its JSON while written. */
export const HEAP_PER_PAGE_EVENT = 4 * 1024;

/**
 * The heap a page of `events` events (an inbox page, a lease: at most MAX_RESPONSE_PAYLOAD_BYTES
 * of payloads, inbox/payload-cap.ts, plus one) with `payloadBytes` bytes of payload text in all
 * (the largest `largestBytes`) may take. A page holds its payloads as text, never parsed (a parsed
 * payload can take 20 times its text): twice their bytes at most (UTF-16), plus the one event
 * being turned into JSON at a time (twice the largest again), plus a little per event.
 */
export function pageHeapCost(payloadBytes: number, largestBytes: number, events: number): number {
  return 2 * payloadBytes + 2 * largestBytes + HEAP_PER_PAGE_EVENT * events;
}
