import type { Db, Event, EventStatus } from '@triggers/db';
import { type Compilable, sql } from 'kysely';
import type { InboxPosition } from './inbox.cursor.js';
import { type TypePattern, typeHasPrefix, typeIs } from './type-pattern.js';

export interface InboxPage {
  status?: EventStatus;
  /** Only events whose type matches. */
  type?: TypePattern;
  /** The last event of the previous page: this page starts strictly after it. */
  after?: InboxPosition;
  limit: number;
}

/** A page's SELECT, to run or to explain. */
export interface EventsPageQuery extends Compilable<Event> {
  execute(): Promise<Event[]>;
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
 */
export function inboxQuery(db: Db, orgId: string, page: InboxPage): EventsPageQuery {
  if (page.type?.kind === 'prefix') return typePrefixInboxQuery(db, orgId, page, page.type.prefix);
  let query = db.selectFrom('events').selectAll().where('org_id', '=', orgId);
  query = page.status ? query.where('status', '=', page.status) : query.where(sql<boolean>`status IN ('pending', 'failed')`);
  if (page.type) query = query.where(typeIs(page.type.type));
  const after = page.after;
  if (after) {
    query = query.where(({ eb, refTuple, tuple }) => eb(refTuple('created_at', 'id'), '<', tuple(after.createdAt, after.id)));
  }
  return query.orderBy('created_at', 'desc').orderBy('id', 'desc').limit(page.limit);
}

/**
 * A page of the events whose type starts with `prefix`, without reading every such event: the
 * distinct matching types are found by walking the type index (one probe each, a "loose index
 * scan"), then each type's newest `limit` events after the cursor are read in order from the
 * same index, and the page is the newest `limit` of those. The cost grows with the number of
 * matching types times the page size, not with how many events match.
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
  return db
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
        return query.orderBy('created_at', 'desc').orderBy('id', 'desc').limit(page.limit).as('e');
      },
      (join) => join.onTrue(),
    )
    .selectAll('e')
    .orderBy('e.created_at', 'desc')
    .orderBy('e.id', 'desc')
    .limit(page.limit);
}

export function listInboxEvents(db: Db, orgId: string, page: InboxPage) {
  return inboxQuery(db, orgId, page).execute();
}
