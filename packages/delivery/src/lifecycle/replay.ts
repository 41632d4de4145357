import type { Db, EventStatus } from '@triggers/db';
import { sql } from 'kysely';
import { typeCondition } from '../matching.js';

/** The most events one replay queues (API.md, POST /api/events/replay). */
export const MAX_REPLAY_EVENTS = 100_000;

export interface ReplayFilter {
  from: Date;
  /** Exclusive. */
  to: Date;
  /** An event type, a `prefix.*` pattern or `*`. */
  type?: string;
  status?: EventStatus;
}

/**
 * The ids of one organization's events created in [from, to) that match the filter, oldest
 * first, at most `limit`. Read through events_org_status_created_idx, one range per status.
 */
export async function findReplayEvents(
  db: Db,
  orgId: string,
  filter: ReplayFilter,
  limit = MAX_REPLAY_EVENTS,
): Promise<string[]> {
  const condition = filter.type === undefined ? { kind: 'all' as const } : typeCondition(filter.type);
  const typeSql =
    condition.kind === 'exact'
      ? sql`AND type = ${condition.type}`
      : condition.kind === 'prefix'
        ? sql`AND type LIKE ${condition.like}`
        : sql``;
  const statusSql = filter.status ? sql`AND status = ${filter.status}` : sql`AND status IN ('pending', 'delivered', 'failed')`;
  const { rows } = await sql<{ id: string }>`
    SELECT id FROM events
    WHERE org_id = ${orgId} ${statusSql}
      AND created_at >= ${filter.from} AND created_at < ${filter.to} ${typeSql}
    ORDER BY created_at, id
    LIMIT ${limit}`.execute(db);
  return rows.map((r) => r.id);
}
