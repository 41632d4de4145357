import type { Db, Event } from '@triggers/db';
import { sql } from 'kysely';
import { payloadBytes } from '../inbox/payload-cap.js';

/*
 * Reading events back without parsing their payloads. pg parses a jsonb column into objects: a
 * stored payload of 256 KB of `{},` becomes 87,000 objects, 5 MiB of heap, and 60 concurrent
 * reads of it took the API past its 128 MiB. Routes that return payloads read them as the JSON
 * text Postgres keeps, size them first (to reserve their heap), and splice the text into the
 * response as it is.
 */

/** An event without its payload, with the size of the payload as JSON text. */
export type SizedEvent = Omit<Event, 'payload'> & { payload_bytes: number };

/** Every column of `events` but the payload. */
export const EVENT_COLUMNS_BUT_PAYLOAD = [
  'id',
  'org_id',
  'type',
  'dedup_id',
  'status',
  'attempts',
  'last_error',
  'created_at',
  'delivered_at',
  'acknowledged_at',
] as const;

/** One event of an organization, without its payload but with its size. */
export function findSizedEvent(db: Db, orgId: string, id: string): Promise<SizedEvent | undefined> {
  return db
    .selectFrom('events')
    .select(EVENT_COLUMNS_BUT_PAYLOAD)
    .select(payloadBytes.as('payload_bytes'))
    .where('id', '=', id)
    .where('org_id', '=', orgId)
    .executeTakeFirst();
}

/** The payloads of some of an organization's events, as the JSON text Postgres stores, by id. */
export async function findPayloadTexts(db: Db, orgId: string, ids: string[]): Promise<Map<string, string>> {
  const rows = await db
    .selectFrom('events')
    .select(['id', sql<string>`payload::text`.as('payload')])
    .where('org_id', '=', orgId)
    .where('id', '=', sql<string>`ANY(${ids}::uuid[])`)
    .execute();
  return new Map(rows.map((r) => [r.id, r.payload]));
}

const PAYLOAD_SLOT = '"payload":{}';

/**
 * `presented` (an event as a route presents it, with `payload: {}`) as JSON, with `payloadJson`
 * spliced in as its payload. Quotes inside JSON strings are escaped, so the first `"payload":{}`
 * of the text is the key's, whatever the event's type or dedup_id say.
 */
export function withPayloadJson(presented: { payload: object }, payloadJson: string): string {
  const json = JSON.stringify(presented);
  const at = json.indexOf(PAYLOAD_SLOT);
  if (at === -1) throw new Error('withPayloadJson needs the event presented with payload {}');
  return `${json.slice(0, at)}"payload":${payloadJson}${json.slice(at + PAYLOAD_SLOT.length)}`;
}
