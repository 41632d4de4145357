import type { Delivery, DeliveryAttempt, Event } from '@triggers/db';

const iso = (d: Date | null) => d?.toISOString() ?? null;

/** An event as the inbox lists it. */
export function presentInboxEvent(e: Event) {
  return {
    id: e.id,
    type: e.type,
    payload: e.payload,
    dedup_id: e.dedup_id,
    status: e.status,
    attempts: e.attempts,
    created_at: e.created_at.toISOString(),
    delivered_at: iso(e.delivered_at),
    last_error: e.last_error,
  };
}

/** GET /api/events/:id: the event with its deliveries (one per subscription) and every attempt. */
export function presentEvent(e: Event, deliveries: Delivery[], attempts: DeliveryAttempt[]) {
  return {
    id: e.id,
    type: e.type,
    payload: e.payload,
    dedup_id: e.dedup_id,
    status: e.status,
    attempts: e.attempts,
    created_at: e.created_at.toISOString(),
    delivered_at: iso(e.delivered_at),
    acknowledged_at: iso(e.acknowledged_at),
    last_error: e.last_error,
    deliveries: deliveries.map((d) => ({
      subscription_id: d.subscription_id,
      status: d.status,
      attempts: d.attempts,
      last_error: d.last_error,
      delivered_at: iso(d.delivered_at),
      next_attempt_at: iso(d.next_attempt_at),
    })),
    delivery_attempts: attempts.map((a) => ({
      subscription_id: a.subscription_id,
      attempt: a.attempt,
      status_code: a.status_code,
      error: a.error,
      duration_ms: a.duration_ms,
      attempted_at: a.attempted_at.toISOString(),
    })),
  };
}
