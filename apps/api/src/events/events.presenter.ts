import type { DeliveryAttempt, Event } from '@triggers/db';

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

/** GET /api/events/:id: the event with every delivery attempt. */
export function presentEvent(e: Event, attempts: DeliveryAttempt[]) {
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
    delivery_attempts: attempts.map((a) => ({
      attempt: a.attempt,
      status_code: a.status_code,
      error: a.error,
      duration_ms: a.duration_ms,
      attempted_at: a.attempted_at.toISOString(),
    })),
  };
}
