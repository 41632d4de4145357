import type { Subscription } from '@triggers/db';

const iso = (d: Date | null) => d?.toISOString() ?? null;

/** A subscription as every route shows it: never its secret. */
export function presentSubscription(s: Subscription) {
  return {
    id: s.id,
    target_url: s.target_url,
    event_types: s.event_types,
    description: s.description,
    status: s.status,
    disabled_reason: s.disabled_reason,
    disabled_at: iso(s.disabled_at),
    circuit: { state: s.circuit_state, opened_at: iso(s.circuit_opened_at), next_probe_at: iso(s.circuit_next_probe_at) },
    created_at: s.created_at.toISOString(),
    updated_at: s.updated_at.toISOString(),
  };
}

/** POST /api/subscriptions: the subscription with its secret, shown here and by GET …/secret. */
export function presentCreatedSubscription(s: Subscription) {
  return { ...presentSubscription(s), secret: s.secret };
}
