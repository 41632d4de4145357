import type { Db, EventStatus } from '@triggers/db';
import { type Compilable, sql } from 'kysely';
import { EVENT_COLUMNS_BUT_PAYLOAD as COLUMNS } from '../events/payload-text.js';
import type { PageEvent } from './event-page.js';
import type { InboxPosition } from './inbox.cursor.js';
import { MAX_RESPONSE_PAYLOAD_BYTES, payloadBytes } from './payload-cap.js';
import { type TypePattern, typeHasPrefix, typeIs } from './type-pattern.js';

export interface InboxPage {
  status?: EventStatus;
  /** Only events whose type matches. */
  type?: TypePattern;
  /** The last event of the previous page: this page starts strictly after it. */
  after?: InboxPosition;
  limit: number;
  /** Payload bytes before which a page may still take an event (payload-cap.ts). */
  maxBytes?: number;
}

/** A page's SELECT, to run or to explain: the page's events and the one after, with their payloads' sizes. */
export interface EventsPageQuery extends Compilable<PageEvent> {
  execute(): Promise<PageEvent[]>;
  explain(): Promise<Record<string, unknown>[]>;
}

/**
 * One organization's events newest first, by (created_at DESC, id DESC): the order of
 * events_org_status_created_idx (one status) and of the partial events_org_undelivered_created_idx
 * (the default, pending and failed, written as literals so the planner can match the index's
 * predicate). The row comparison continues exactly after the previous page's last event, so
 * pages neither skip nor repeat, whatever shares a timestamp or arrives in between.
 * With a type, the same order from events_org_status_type_created_idx and the partial
 * events_org_type_undelivered_idx (see typePrefixInboxQuery for a prefix).
 *
 * Each event comes with its payload's size, not its payload (event-page.ts), and the query returns
 * the page and the event after it, if any (which tells that another page follows). Sizing a
 * payload means rendering it as text, so the query walks the index one event at a time (a
 * recursive CTE) and stops at the first event past the page, past `limit` events or once the
 * page holds `maxBytes` of payloads: a page of 30 events of 256 KB sizes 31 payloads, not 1,001.
 */
export function inboxQuery(db: Db, orgId: string, page: InboxPage): EventsPageQuery {
  if (page.type?.kind === 'prefix') return typePrefixInboxQuery(db, orgId, page, page.type.prefix);
  const maxBytes = page.maxBytes ?? MAX_RESPONSE_PAYLOAD_BYTES;
  const after = page.after;
  // Which events the inbox shows, for both steps of the walk (`e` is the events table in each).
  const inView = sql<boolean>`e.org_id = ${orgId} AND ${
    page.status ? sql`e.status = ${page.status}` : sql`e.status IN ('pending', 'failed')`
  } AND ${page.type ? typeIs(page.type.type) : sql`true`}`;
  return db
    .withRecursive(
      'page(id, org_id, type, dedup_id, status, attempts, last_error, created_at, delivered_at, acknowledged_at, payload_bytes, n, total)',
      (qb) => {
        // The first event of the page...
        let first = qb
          .selectFrom('events as e')
          .select(COLUMNS.map((c) => `e.${c}` as const))
          .select(payloadBytes.as('payload_bytes'))
          .where(inView);
        if (after)
          first = first.where(({ eb, refTuple, tuple }) =>
            eb(refTuple('e.created_at', 'e.id'), '<', tuple(after.createdAt, after.id)),
          );
        const anchor = qb
          .selectFrom(first.orderBy('e.created_at', 'desc').orderBy('e.id', 'desc').limit(1).as('first'))
          .selectAll()
          .select([sql<number>`1`.as('n'), sql<number>`payload_bytes::bigint`.as('total')]);
        // ...then the next one after each event of the page, until one is not in the page.
        const next = qb
          .selectFrom('page')
          .innerJoinLateral(
            (eb) =>
              eb
                .selectFrom('events as e')
                .select(COLUMNS.map((c) => `e.${c}` as const))
                .select(payloadBytes.as('payload_bytes'))
                .where(inView)
                .where(({ eb, refTuple }) => eb(refTuple('e.created_at', 'e.id'), '<', refTuple('page.created_at', 'page.id')))
                .orderBy('e.created_at', 'desc')
                .orderBy('e.id', 'desc')
                .limit(1)
                .as('next'),
            (join) => join.onTrue(),
          )
          .select(COLUMNS.map((c) => `next.${c}` as const))
          .select([
            'next.payload_bytes',
            sql<number>`page.n + 1`.as('n'),
            sql<number>`page.total + next.payload_bytes`.as('total'),
          ])
          .where(sql<boolean>`page.n <= ${page.limit} AND page.total - page.payload_bytes < ${maxBytes}`);
        return anchor.unionAll(next);
      },
    )
    .selectFrom('page')
    .select([...COLUMNS, 'payload_bytes']);
}

/**
 * A page of the events whose type starts with `prefix`, without reading every such event: the
 * distinct matching types are found by walking the type index (one probe each, a "loose index
 * scan"), then each type's newest `limit` + 1 events after the cursor are read in order from the
 * same index, and the candidates are the newest `limit` + 1 of those. Their payloads are sized
 * after that cut (the page is cut by bytes in event-page.ts).
 */
function typePrefixInboxQuery(db: Db, orgId: string, page: InboxPage, prefix: string): EventsPageQuery {
  const status = page.status ? sql`status = ${page.status}` : sql`status IN ('pending', 'failed')`;
  const types = sql<{ type: string }>`(
    WITH RECURSIVE t (type) AS (
      (SELECT type COLLATE "C" FROM events WHERE org_id = ${orgId} AND ${status} AND ${typeHasPrefix(prefix)}
        ORDER BY type COLLATE "C" LIMIT 1)
      UNION ALL
      SELECT (SELECT type COLLATE "C" FROM events WHERE org_id = ${orgId} AND ${status} AND ${typeHasPrefix(prefix)}
          AND type COLLATE "C" > t.type ORDER BY type COLLATE "C" LIMIT 1)
      FROM t WHERE t.type IS NOT NULL
    )
    SELECT type FROM t WHERE type IS NOT NULL
  )`;
  const after = page.after;
  const candidates = db
    .selectFrom(types.as('types'))
    .innerJoinLateral(
      (eb) => {
        let query = eb
          .selectFrom('events')
          .selectAll()
          .where('org_id', '=', orgId)
          .where(page.status ? sql<boolean>`status = ${page.status}` : sql<boolean>`status IN ('pending', 'failed')`)
          .where(typeIs(sql.ref('types.type')));
        if (after) {
          query = query.where(({ eb, refTuple, tuple }) =>
            eb(refTuple('created_at', 'id'), '<', tuple(after.createdAt, after.id)),
          );
        }
        return query
          .orderBy('created_at', 'desc')
          .orderBy('id', 'desc')
          .limit(page.limit + 1)
          .as('e');
      },
      (join) => join.onTrue(),
    )
    .selectAll('e')
    .orderBy('e.created_at', 'desc')
    .orderBy('e.id', 'desc')
    .limit(page.limit + 1);
  // Sized outside the LIMIT: only the candidates' payloads are rendered.
  return db
    .selectFrom(candidates.as('e'))
    .select(COLUMNS.map((c) => `e.${c}` as const))
    .select(payloadBytes.as('payload_bytes'));
}

/** The page and the event after it, if any, newest first (see inboxQuery). */
export async function listInboxEvents(db: Db, orgId: string, page: InboxPage): Promise<PageEvent[]> {
  const rows = await inboxQuery(db, orgId, page).execute();
  const time = (e: PageEvent) => e.created_at.getTime();
  return rows.sort((a, b) => time(b) - time(a) || (a.id < b.id ? 1 : a.id > b.id ? -1 : 0));
}
