import type { Db, Delivery, DeliveryAttempt } from '@triggers/db';

/** An event's deliveries, oldest first (GET /api/events/:id). */
export function findEventDeliveries(db: Db, eventId: string): Promise<Delivery[]> {
  return db.selectFrom('deliveries').selectAll().where('event_id', '=', eventId).orderBy('created_at').orderBy('id').execute();
}

/** An event's attempts, by time (GET /api/events/:id). */
export function findEventAttempts(db: Db, eventId: string): Promise<DeliveryAttempt[]> {
  return db
    .selectFrom('delivery_attempts')
    .selectAll()
    .where('event_id', '=', eventId)
    .orderBy('attempted_at')
    .orderBy('id')
    .execute();
}
