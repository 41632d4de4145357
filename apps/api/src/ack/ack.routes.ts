import type { Db } from '@triggers/db';
import { Router } from 'express';
import { HttpError } from '../http/http-error.js';
import { route } from '../http/route.js';
import { isUuid } from '../http/uuid-param.js';
import { validate } from '../http/validate.js';
import { releaseEvents } from '../leases/leases.repository.js';
import { acknowledgeEvents } from './ack.repository.js';
import { ackBatchSchema } from './ack.schema.js';

export function ackRoutes(db: Db): Router {
  const router = Router();

  route(router, '/api/ack/:event_id', {
    post: [
      async (req, res) => {
        const id = req.params.event_id;
        if (!isUuid(id)) throw HttpError.eventNotFound();
        const [ack] = await acknowledgeEvents(db, res.locals.org.id, [id]);
        if (!ack) throw HttpError.eventNotFound();
        // Acknowledged: out of any lease for good.
        await releaseEvents(db, [ack.id]);
        res.json({ success: true, id: ack.id, status: 'delivered', acknowledged_at: ack.acknowledged_at.toISOString() });
      },
    ],
  });

  route(router, '/api/ack', {
    post: [
      async (req, res) => {
        const { event_ids } = validate(ackBatchSchema, req.body);
        // Each id once, in the caller's order and spelling.
        const given = [...new Set(event_ids)];
        const wellFormed = given.filter(isUuid).map((id) => id.toLowerCase());
        const acked = new Set((await acknowledgeEvents(db, res.locals.org.id, wellFormed)).map((a) => a.id));
        // Acknowledged: out of any lease for good.
        await releaseEvents(db, [...acked]);
        res.json({
          acknowledged: given.filter((id) => isUuid(id) && acked.has(id.toLowerCase())),
          not_found: given.filter((id) => !(isUuid(id) && acked.has(id.toLowerCase()))),
        });
      },
    ],
  });

  return router;
}
