import type { Db } from '@triggers/db';
import { sql } from 'kysely';

/**
 * Brings events' stored status, attempts, last_error and delivered_at in line with their
 * deliveries (API.md, GET /api/events/:id): `delivered` when acknowledged, or when every delivery
 * that is not cancelled is delivered (and there is one); `pending` while one is pending, or when
 * there is none but cancelled ones; else `failed`. `attempts` is the sum of the deliveries',
 * `last_error` the latest of a delivery not delivered. The caller holds the events' locks
 * (lockEvents), so this sees every committed change of their deliveries.
 */
export async function refreshEventStatuses(db: Db, eventIds: readonly string[]): Promise<void> {
  if (eventIds.length === 0) return;
  const ids = [...new Set(eventIds)].sort();
  await sql`
    WITH summary AS (
      SELECT d.event_id,
        count(*) FILTER (WHERE d.status = 'pending') AS pending,
        count(*) FILTER (WHERE d.status = 'failed') AS failed,
        count(*) FILTER (WHERE d.status = 'delivered') AS delivered,
        coalesce(sum(d.attempts), 0)::int AS attempts,
        max(d.delivered_at) AS delivered_at,
        (array_agg(d.last_error ORDER BY d.last_attempt_at DESC NULLS LAST)
          FILTER (WHERE d.last_error IS NOT NULL AND d.status <> 'delivered'))[1] AS last_error
      FROM deliveries d
      WHERE d.event_id = ANY(${ids}::uuid[])
      GROUP BY d.event_id
    )
    UPDATE events e SET
      status = CASE
        WHEN e.acknowledged_at IS NOT NULL THEN 'delivered'
        WHEN s.pending > 0 THEN 'pending'
        WHEN s.failed > 0 THEN 'failed'
        WHEN s.delivered > 0 THEN 'delivered'
        ELSE 'pending' END,
      attempts = s.attempts,
      last_error = CASE WHEN s.pending = 0 AND s.failed = 0 AND s.delivered > 0 THEN NULL ELSE s.last_error END,
      delivered_at = CASE
        WHEN e.acknowledged_at IS NOT NULL THEN coalesce(e.delivered_at, e.acknowledged_at)
        WHEN s.pending = 0 AND s.failed = 0 AND s.delivered > 0 THEN s.delivered_at
        ELSE NULL END
    FROM summary s
    WHERE e.id = s.event_id`.execute(db);
}
