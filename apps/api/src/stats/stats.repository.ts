import type { Db } from '@triggers/db';
import { type RawBuilder, sql } from 'kysely';

export interface TimeRange {
  from: Date;
  to: Date;
  bucketSeconds: number;
}

export interface BucketCounts {
  start: Date;
  count: number;
  succeeded: number;
}

/**
 * Events created per bucket: one range of the (org_id, status, created_at) index per status, each
 * bounded to the window (the index that also holds the type cannot bound created_at).
 */
export function eventsByBucketQuery(orgId: string, range: TimeRange): RawBuilder<{ start: Date; count: number }> {
  const inWindow = (status: string) => sql`
    SELECT created_at FROM events
    WHERE org_id = ${orgId} AND status = ${status} AND created_at >= ${range.from} AND created_at < ${range.to}`;
  return sql<{ start: Date; count: number }>`
    SELECT date_bin(make_interval(secs => ${range.bucketSeconds}), created_at, ${range.from}::timestamptz) AS start,
      count(*)::int AS count
    FROM (${inWindow('pending')} UNION ALL ${inWindow('delivered')} UNION ALL ${inWindow('failed')}) e
    GROUP BY 1`;
}

export async function countEventsByBucket(db: Db, orgId: string, range: TimeRange): Promise<BucketCounts[]> {
  const { rows } = await eventsByBucketQuery(orgId, range).execute(db);
  return rows.map((r) => ({ start: r.start, count: r.count, succeeded: 0 }));
}

/** Delivery attempts per bucket and how many got a 2xx: an index-only range of (org_id, attempted_at). */
export function attemptsByBucketQuery(orgId: string, range: TimeRange): RawBuilder<BucketCounts> {
  return sql<BucketCounts>`
    SELECT date_bin(make_interval(secs => ${range.bucketSeconds}), attempted_at, ${range.from}::timestamptz) AS start,
      count(*)::int AS count,
      count(*) FILTER (WHERE status_code BETWEEN 200 AND 299)::int AS succeeded
    FROM delivery_attempts
    WHERE org_id = ${orgId} AND attempted_at >= ${range.from} AND attempted_at < ${range.to}
    GROUP BY 1`;
}

export async function countAttemptsByBucket(db: Db, orgId: string, range: TimeRange): Promise<BucketCounts[]> {
  return (await attemptsByBucketQuery(orgId, range).execute(db)).rows;
}

export interface DeliveryCounts {
  pending: number;
  retrying: number;
  failed: number;
}

/**
 * The organization's deliveries not yet done, right now: pending ones (and of those, the ones that
 * failed an attempt and wait for a retry) and failed ones (every attempt used, dead-lettered).
 * Each count stops at `limit`, so the query reads at most `limit` rows of the partial index
 * deliveries_org_undelivered_idx per status however large a backlog is.
 */
export function undeliveredQuery(orgId: string, limit: number): RawBuilder<DeliveryCounts> {
  return sql<DeliveryCounts>`
    SELECT
      count(*) FILTER (WHERE status = 'pending')::int AS pending,
      count(*) FILTER (WHERE status = 'pending' AND attempts > 0)::int AS retrying,
      count(*) FILTER (WHERE status = 'failed')::int AS failed
    FROM (
      (SELECT status, attempts FROM deliveries WHERE org_id = ${orgId} AND status = 'pending' LIMIT ${limit})
      UNION ALL
      (SELECT status, attempts FROM deliveries WHERE org_id = ${orgId} AND status = 'failed' LIMIT ${limit})
    ) d`;
}

export async function countUndelivered(db: Db, orgId: string, limit: number): Promise<DeliveryCounts> {
  const { rows } = await undeliveredQuery(orgId, limit).execute(db);
  return rows[0] as DeliveryCounts;
}
