import type { Db, EventStatus } from '@triggers/db';
import { sql } from 'kysely';
import type { InboxPosition } from './inbox.cursor.js';

export interface InboxPage {
  status?: EventStatus;
  /** The last event of the previous page: this page starts strictly after it. */
  after?: InboxPosition;
  limit: number;
}

/**
 * One organization's events newest first, by (created_at DESC, id DESC): the order of
 * events_org_status_created_idx (one status) and of the partial events_org_undelivered_created_idx
 * (the default, pending and failed, written as literals so the planner can match the index's
 * predicate). The row comparison continues exactly after the previous page's last event, so
 * pages neither skip nor repeat, whatever shares a timestamp or arrives in between.
 */
export function inboxQuery(db: Db, orgId: string, page: InboxPage) {
  let query = db.selectFrom('events').selectAll().where('org_id', '=', orgId);
  query = page.status ? query.where('status', '=', page.status) : query.where(sql<boolean>`status IN ('pending', 'failed')`);
  const after = page.after;
  if (after) {
    query = query.where(({ eb, refTuple, tuple }) => eb(refTuple('created_at', 'id'), '<', tuple(after.createdAt, after.id)));
  }
  return query.orderBy('created_at', 'desc').orderBy('id', 'desc').limit(page.limit);
}

export function listInboxEvents(db: Db, orgId: string, page: InboxPage) {
  return inboxQuery(db, orgId, page).execute();
}
