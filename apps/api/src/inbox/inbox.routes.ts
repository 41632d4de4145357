import type { Db } from '@triggers/db';
import { Router } from 'express';
import { findPayloadTexts } from '../events/payload-text.js';
import { route } from '../http/route.js';
import { validate } from '../http/validate.js';
import type { MemoryBudget } from '../memory/budget.js';
import { fitPage, sendEventPage } from './event-page.js';
import { decodeCursor, encodeCursor } from './inbox.cursor.js';
import { listInboxEvents } from './inbox.repository.js';
import { inboxQuerySchema } from './inbox.schema.js';
import { parseTypePattern } from './type-pattern.js';

export function inboxRoutes(db: Db, memory: MemoryBudget): Router {
  const router = Router();
  route(router, '/api/inbox', {
    get: [
      async (req, res) => {
        const query = validate(inboxQuerySchema, req.query, 'query');
        const after = query.cursor === undefined ? undefined : decodeCursor(query.cursor);
        const type = query.type === undefined ? undefined : parseTypePattern(query.type);
        const orgId = res.locals.org.id;
        // The page's candidates, with the event after them if there is one (which tells that
        // another page follows); the page ends at `limit` or at about 8 MB of payloads (API.md).
        const rows = await listInboxEvents(db, orgId, { status: query.status, type, after, limit: query.limit });
        const events = rows.slice(0, fitPage(rows, query.limit));
        const hasMore = rows.length > events.length;
        const last = events.at(-1);
        await sendEventPage(
          res,
          memory,
          {
            events,
            after: {
              next_cursor: hasMore && last ? encodeCursor({ createdAt: last.created_at, id: last.id }) : null,
              has_more: hasMore,
            },
          },
          (ids) => findPayloadTexts(db, orgId, ids),
        );
      },
    ],
  });
  return router;
}
