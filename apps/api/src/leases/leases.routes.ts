import { type Db, isUuid, uuidv7 } from '@triggers/db';
import { type ErrorRequestHandler, Router } from 'express';
import { findPayloadTexts } from '../events/payload-text.js';
import { HttpError } from '../http/http-error.js';
import { route } from '../http/route.js';
import { validate } from '../http/validate.js';
import { sendEventPage } from '../inbox/event-page.js';
import { parseTypePattern } from '../inbox/type-pattern.js';
import type { MemoryBudget } from '../memory/budget.js';
import { extendLease, leaseEvents } from './leases.repository.js';
import { extendBodySchema, leaseBodySchema } from './leases.schema.js';

/** Unknown, malformed, expired or another organization's lease id. */
const leaseNotFound = () => new HttpError(404, 'not_found', 'Lease not found');

/** Competing pull consumers: leases on the inbox's oldest events (API.md, POST /api/inbox/lease). */
export function leasesRoutes(db: Db, memory: MemoryBudget): Router {
  const router = Router();

  route(router, '/api/inbox/lease', {
    post: [
      async (req, res) => {
        const body = validate(leaseBodySchema, req.body);
        const type = body.type === undefined ? undefined : parseTypePattern(body.type);
        const lease = await leaseEvents(db, res.locals.org.id, {
          id: uuidv7(),
          limit: body.limit,
          visibilitySeconds: body.visibility_seconds,
          type,
        });
        await sendEventPage(
          res,
          memory,
          { before: { lease_id: lease.id, expires_at: lease.expiresAt.toISOString() }, events: lease.events },
          (ids) => findPayloadTexts(db, res.locals.org.id, ids),
        );
      },
    ],
  });

  route(router, '/api/inbox/lease/:lease_id/extend', {
    post: [
      async (req, res) => {
        const id = req.params.lease_id;
        if (!isUuid(id)) throw leaseNotFound();
        const body = validate(extendBodySchema, req.body);
        const extension = await extendLease(db, res.locals.org.id, id.toLowerCase(), body.visibility_seconds);
        if (!extension) throw leaseNotFound();
        res.json({ lease_id: extension.id, expires_at: extension.expiresAt.toISOString(), event_ids: extension.eventIds });
      },
    ],
  });

  // A lease id the router cannot percent-decode (`/api/inbox/lease/%E0%A4%A/extend`) is a
  // malformed id: the lease's 404, not the event's that the error handler would give.
  router.use('/api/inbox/lease', ((error, _req, _res, next) => {
    next(error instanceof URIError ? leaseNotFound() : error);
  }) satisfies ErrorRequestHandler);

  return router;
}
