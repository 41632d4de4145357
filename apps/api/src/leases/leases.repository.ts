import type { Db } from '@triggers/db';
import { type RawBuilder, sql } from 'kysely';
import type { SizedEvent } from '../events/payload-text.js';
import { MAX_RESPONSE_PAYLOAD_BYTES, payloadBytes, payloadBytesBefore } from '../inbox/payload-cap.js';
import { type TypePattern, typeMatches } from '../inbox/type-pattern.js';

export interface LeaseRequest {
  /** The new lease's id. */
  id: string;
  limit: number;
  visibilitySeconds: number;
  type?: TypePattern;
}

export interface Lease {
  id: string;
  expiresAt: Date;
  /** Oldest first, without their payloads but with their sizes (inbox/event-page.ts reads and writes them). */
  events: SizedEvent[];
}

export type LeaseRow = SizedEvent & { lease_id: string; lease_expires_at: Date };

/**
 * Creates a lease holding up to `limit` of the organization's oldest pending or failed,
 * unacknowledged events that no unexpired lease holds, until now + visibility, in one statement:
 *
 * - `candidates` walks events_org_undelivered_created_idx (or, with a type, the partial
 *   events_org_type_undelivered_idx) oldest first, skips events held by an unexpired lease
 *   (one probe of event_leases each) and locks each row it takes, skipping rows another
 *   lease (or an acknowledgement) has locked: concurrent leases take different events instead
 *   of waiting for each other, and the scan goes on past skipped rows until it has `limit`.
 *   A row acknowledged since the statement began is re-checked on locking and left out.
 * - `capped` keeps the candidates up to about 8 MB of payloads (MAX_RESPONSE_PAYLOAD_BYTES).
 * - `held` records the holds; a hold by an expired lease is taken over. A hold made by a lease
 *   that committed after this statement began wins (the primary key, checked on the latest row),
 *   so an event is never held by two unexpired leases, on however many API processes.
 * - The events come back without their payloads, which pg would parse (a payload of 256 KB of
 *   `{}` is 5 MiB of heap parsed), but with their sizes: the route reads the payloads as text
 *   (inbox/event-page.ts).
 *
 * Holds are written in event id order, as extendLease locks them, so the two never deadlock.
 */
export async function leaseEvents(db: Db, orgId: string, request: LeaseRequest): Promise<Lease> {
  const { rows } = await leaseStatement(orgId, request).execute(db);
  const first = rows[0] as LeaseRow;
  const events = rows
    .filter((r) => r.id !== null)
    .map(({ lease_id: _id, lease_expires_at: _at, ...event }) => event as SizedEvent);
  return { id: first.lease_id, expiresAt: first.lease_expires_at, events };
}

/** The statement of leaseEvents (to run, or to explain). */
export function leaseStatement(orgId: string, request: LeaseRequest): RawBuilder<LeaseRow> {
  const type = request.type ? sql`AND ${typeMatches(request.type)}` : sql``;
  return sql<LeaseRow>`
    WITH lease AS (
      INSERT INTO inbox_leases (id, org_id, expires_at)
      VALUES (${request.id}, ${orgId}, now() + make_interval(secs => ${request.visibilitySeconds}))
      RETURNING id, expires_at
    ),
    candidates AS (
      SELECT e.id, e.created_at, ${payloadBytes} AS bytes
      FROM events e
      WHERE e.org_id = ${orgId} AND status IN ('pending', 'failed') AND e.acknowledged_at IS NULL ${type}
        AND NOT EXISTS (SELECT 1 FROM event_leases h WHERE h.event_id = e.id AND h.expires_at > now())
      ORDER BY e.created_at, e.id
      LIMIT ${request.limit}
      FOR NO KEY UPDATE OF e SKIP LOCKED
    ),
    capped AS (
      SELECT id FROM (SELECT id, ${payloadBytesBefore(sql`created_at, id`)} AS bytes_before FROM candidates) c
      WHERE bytes_before < ${MAX_RESPONSE_PAYLOAD_BYTES}
    ),
    held AS (
      INSERT INTO event_leases AS h (event_id, lease_id, expires_at)
      SELECT capped.id, lease.id, lease.expires_at FROM capped CROSS JOIN lease
      ORDER BY capped.id
      ON CONFLICT (event_id) DO UPDATE SET lease_id = excluded.lease_id, expires_at = excluded.expires_at
        WHERE h.expires_at <= now()
      RETURNING event_id
    )
    SELECT e.id, e.org_id, e.type, e.dedup_id, e.status, e.attempts, e.last_error, e.created_at, e.delivered_at,
      e.acknowledged_at, c.bytes AS payload_bytes, lease.id AS lease_id, lease.expires_at AS lease_expires_at
    FROM lease LEFT JOIN (held JOIN events e ON e.id = held.event_id JOIN candidates c ON c.id = held.event_id) ON true
    ORDER BY e.created_at, e.id`;
}

export interface Extension {
  id: string;
  expiresAt: Date;
  /** The events the lease still holds (not acknowledged), in id order. */
  eventIds: string[];
}

/**
 * Holds an unexpired lease's events until now + visibility (not counted from the old expiry);
 * undefined when the organization has no such lease, or it has expired: an expired lease stays
 * expired, its events may already be another's.
 */
export async function extendLease(
  db: Db,
  orgId: string,
  leaseId: string,
  visibilitySeconds: number,
): Promise<Extension | undefined> {
  const { rows } = await sql<{ id: string; expires_at: Date; event_ids: string[] }>`
    WITH lease AS (
      UPDATE inbox_leases SET expires_at = now() + make_interval(secs => ${visibilitySeconds})
      WHERE id = ${leaseId} AND org_id = ${orgId} AND expires_at > now()
      RETURNING id, expires_at
    ),
    locked AS (
      SELECT h.event_id FROM event_leases h JOIN lease ON h.lease_id = lease.id
      ORDER BY h.event_id
      FOR UPDATE OF h
    ),
    held AS (
      UPDATE event_leases h SET expires_at = lease.expires_at
      FROM locked, lease
      WHERE h.event_id = locked.event_id AND h.lease_id = lease.id
      RETURNING h.event_id
    )
    SELECT lease.id, lease.expires_at, array(SELECT event_id FROM held ORDER BY event_id) AS event_ids FROM lease`.execute(db);
  const row = rows[0];
  return row && { id: row.id, expiresAt: row.expires_at, eventIds: row.event_ids };
}

/** Acknowledged events leave their leases for good (any lease's, expired or not). */
export async function releaseEvents(db: Db, eventIds: readonly string[]): Promise<void> {
  if (eventIds.length === 0) return;
  await db.deleteFrom('event_leases').where('event_id', '=', sql<string>`ANY(${eventIds}::uuid[])`).execute();
}
