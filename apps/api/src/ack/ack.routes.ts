import { type Database, isUuid } from '@triggers/db';
import { type Acknowledgement, acknowledgeEvents } from '@triggers/delivery';
import type { PgBoss } from '@triggers/queue';
import { Router } from 'express';
import type { Kysely } from 'kysely';
import { HttpError } from '../http/http-error.js';
import { route } from '../http/route.js';
import { validate } from '../http/validate.js';
import { releaseEvents } from '../leases/leases.repository.js';
import { ackBatchSchema } from './ack.schema.js';

/**
 * Acknowledges the organization's events with these ids (packages/delivery: their pending
 * deliveries and jobs are cancelled) and releases them from their leases for good, in one
 * transaction (one commit, and no moment where an event is acknowledged but still held).
 */
async function acknowledge(db: Kysely<Database>, boss: PgBoss, orgId: string, ids: string[]): Promise<Acknowledgement[]> {
  if (ids.length === 0) return [];
  return db.transaction().execute(async (trx) => {
    const acks = await acknowledgeEvents(boss, trx, orgId, ids);
    await releaseEvents(
      trx,
      acks.map((a) => a.id),
    );
    return acks;
  });
}

export function ackRoutes(db: Kysely<Database>, boss: PgBoss): Router {
  const router = Router();

  route(router, '/api/ack/:event_id', {
    post: [
      async (req, res) => {
        const id = req.params.event_id;
        if (!isUuid(id)) throw HttpError.eventNotFound();
        const [ack] = await acknowledge(db, boss, res.locals.org.id, [id]);
        if (!ack) throw HttpError.eventNotFound();
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
        const acked = new Set((await acknowledge(db, boss, res.locals.org.id, wellFormed)).map((a) => a.id));
        res.json({
          acknowledged: given.filter((id) => isUuid(id) && acked.has(id.toLowerCase())),
          not_found: given.filter((id) => !(isUuid(id) && acked.has(id.toLowerCase()))),
        });
      },
    ],
  });

  return router;
}
