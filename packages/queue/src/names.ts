/** The queue every event's delivery job goes to. */
export const DELIVERY_QUEUE = 'event-delivery';
/** Where a job lands after its last failed attempt, for ops to inspect and redrive. */
export const DEAD_LETTER_QUEUE = 'event-delivery-dead';
/** pg-boss keeps its tables in this schema; ours stay in `public`. */
export const BOSS_SCHEMA = 'pgboss';

/** The data of one delivery job. Everything else is read fresh from the database when it runs. */
export interface DeliveryJob {
  eventId: string;
  orgId: string;
}
