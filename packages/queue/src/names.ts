/** Where ingest puts one job per event; the worker turns it into one delivery per matching subscription. */
export const FANOUT_QUEUE = 'event-fanout';
/** One job per delivery (event × subscription), grouped by subscription. */
export const DELIVERY_QUEUE = 'event-delivery';
/** Where a delivery job lands after its last failed attempt, for ops to inspect. */
export const DEAD_LETTER_QUEUE = 'event-delivery-dead';
/** pg-boss keeps its tables in this schema; ours stay in `public`. */
export const BOSS_SCHEMA = 'pgboss';

/** The data of one fan-out job. */
export interface FanOutJob {
  eventId: string;
  orgId: string;
  /** W3C trace context of the event's ingest (`traceparent`), when tracing is on: its fan-out and attempts join that trace. */
  trace?: Record<string, string>;
}

/** The data of one delivery job. Everything else is read fresh from the database when it runs. */
export interface DeliveryJob {
  deliveryId: string;
  eventId: string;
  subscriptionId: string;
  orgId: string;
  /** W3C trace context of its event's fan-out (or of the request that redelivered it), when tracing is on. */
  trace?: Record<string, string>;
}
