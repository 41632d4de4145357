import type { Db, Event } from '@triggers/db';
import { Router } from 'express';
import { presentInboxEvent } from '../events/events.presenter.js';
import { route } from '../http/route.js';
import { validate } from '../http/validate.js';
import { decodeCursor, encodeCursor } from './inbox.cursor.js';
import { listInboxEvents } from './inbox.repository.js';
import { inboxQuerySchema } from './inbox.schema.js';
import { parseTypePattern } from './type-pattern.js';

export function inboxRoutes(db: Db): Router {
  const router = Router();
  route(router, '/api/inbox', {
    get: [
      async (req, res) => {
        const query = validate(inboxQuerySchema, req.query, 'query');
        const after = query.cursor === undefined ? undefined : decodeCursor(query.cursor);
        const type = query.type === undefined ? undefined : parseTypePattern(query.type);
        // One more than asked tells whether another page follows.
        const rows = await listInboxEvents(db, res.locals.org.id, { status: query.status, type, after, limit: query.limit + 1 });
        const hasMore = rows.length > query.limit;
        const events = hasMore ? rows.slice(0, query.limit) : rows;
        const last = events.at(-1) as Event | undefined;
        res.json({
          events: events.map(presentInboxEvent),
          next_cursor: hasMore && last ? encodeCursor({ createdAt: last.created_at, id: last.id }) : null,
          has_more: hasMore,
        });
      },
    ],
  });
  return router;
}
