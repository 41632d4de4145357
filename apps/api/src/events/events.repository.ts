import type { Db } from '@triggers/db';
import { sql } from 'kysely';

export interface EventRow {
  id: string;
  orgId: string;
  type: string;
  /** The payload, JSON-encoded. */
  payload: string;
  dedupId: string | null;
}

/**
 * The payloads (each JSON text already) as one JSON array, sent as it is. As a jsonb[] they would
 * be escaped again (every quote and backslash doubled) and concatenated into a second copy:
 * up to four times their size in heap for a batch of quote-heavy payloads (memory/limits.ts).
 */
export function payloadsAsJsonArray(rows: readonly { payload: string }[]): string {
  // One join makes one flat string; concatenating around a join would make V8 copy it again.
  const parts = ['['];
  for (const [i, row] of rows.entries()) parts.push(i === 0 ? '' : ',', row.payload);
  parts.push(']');
  return parts.join('');
}

/** Inserts many events in one statement; resolves to each id's stored `created_at`. */
export async function insertEvents(db: Db, rows: EventRow[]): Promise<Map<string, Date>> {
  const { rows: inserted } = await sql<{ id: string; created_at: Date }>`
    INSERT INTO events (id, org_id, type, payload, dedup_id)
    SELECT * FROM ROWS FROM (
      unnest(${rows.map((r) => r.id)}::uuid[]), unnest(${rows.map((r) => r.orgId)}::uuid[]),
      unnest(${rows.map((r) => r.type)}::text[]), jsonb_array_elements(${payloadsAsJsonArray(rows)}::jsonb),
      unnest(${rows.map((r) => r.dedupId)}::text[]))
    RETURNING id, created_at`.execute(db);
  return new Map(inserted.map((r) => [r.id, r.created_at]));
}

export interface DedupClaim {
  orgId: string;
  dedupId: string;
  eventId: string;
}

/**
 * Claims dedup ids for new events. A claim wins when no other event holds the id within its
 * window (an expired holder is replaced). The primary key makes a concurrent claim of the same
 * id wait for the first transaction, so exactly one wins. Claims must be unique by
 * (orgId, dedupId); they are taken in key order so concurrent batches do not deadlock.
 * Resolves to the event ids of the winning claims.
 */
export async function claimDedupIds(db: Db, claims: DedupClaim[], windowSeconds: number): Promise<Set<string>> {
  const sorted = [...claims].sort((a, b) =>
    a.orgId === b.orgId ? (a.dedupId < b.dedupId ? -1 : a.dedupId > b.dedupId ? 1 : 0) : a.orgId < b.orgId ? -1 : 1,
  );
  const { rows } = await sql<{ event_id: string }>`
    INSERT INTO event_dedup AS d (org_id, dedup_id, event_id, expires_at)
    SELECT c.org_id, c.dedup_id, c.event_id, now() + make_interval(secs => ${windowSeconds})
    FROM unnest(${sorted.map((c) => c.orgId)}::uuid[], ${sorted.map((c) => c.dedupId)}::text[], ${sorted.map((c) => c.eventId)}::uuid[])
      AS c (org_id, dedup_id, event_id)
    ON CONFLICT (org_id, dedup_id) DO UPDATE
      SET event_id = excluded.event_id, expires_at = excluded.expires_at
      WHERE d.expires_at <= now()
    RETURNING event_id`.execute(db);
  return new Set(rows.map((r) => r.event_id));
}

/** The events currently holding these dedup ids, keyed `${orgId}:${dedupId}`. */
export async function findDedupHolders(db: Db, keys: { orgId: string; dedupId: string }[]): Promise<Map<string, string>> {
  const { rows } = await sql<{ org_id: string; dedup_id: string; event_id: string }>`
    SELECT d.org_id, d.dedup_id, d.event_id FROM event_dedup d
    JOIN unnest(${keys.map((k) => k.orgId)}::uuid[], ${keys.map((k) => k.dedupId)}::text[]) AS k (org_id, dedup_id)
      ON d.org_id = k.org_id AND d.dedup_id = k.dedup_id`.execute(db);
  return new Map(rows.map((r) => [`${r.org_id}:${r.dedup_id}`, r.event_id]));
}
