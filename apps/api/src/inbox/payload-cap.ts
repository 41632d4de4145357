import { type RawBuilder, sql } from 'kysely';

/**
 * About 8 MB of payloads: where an inbox page or a lease ends early, before `limit` (API.md),
 * so that a response of large events stays within a process's memory whatever its `limit`.
 */
export const MAX_RESPONSE_PAYLOAD_BYTES = 8 * 1024 * 1024;

/** The size of an event's payload as a response carries it: its JSON text, in bytes. */
export const payloadBytes: RawBuilder<number> = sql<number>`octet_length(payload::text)`;

/**
 * For rows that carry their payload size as `bytes`, in the order they are handed out (the
 * `order` of the window, e.g. `created_at, id`): the payload bytes of the rows before this one.
 * A response takes the rows for which this is under MAX_RESPONSE_PAYLOAD_BYTES: it holds at least
 * one row, and at most the cap plus one payload (256 KB).
 */
export function payloadBytesBefore(order: RawBuilder<unknown>): RawBuilder<number> {
  return sql<number>`sum(bytes) OVER (ORDER BY ${order} ROWS UNBOUNDED PRECEDING) - bytes`;
}
