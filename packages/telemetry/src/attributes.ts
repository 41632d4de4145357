/**
 * Span attributes of our own spans. Where OpenTelemetry's semantic conventions have a name
 * (server.address, http.response.status_code) it is used; the rest are under `triggers.`.
 */
export const ATTR = {
  eventId: 'triggers.event.id',
  eventType: 'triggers.event.type',
  eventCount: 'triggers.event.count',
  duplicate: 'triggers.event.duplicate',
  orgId: 'triggers.org.id',
  subscriptionId: 'triggers.subscription.id',
  deliveryId: 'triggers.delivery.id',
  attempt: 'triggers.delivery.attempt',
  outcome: 'triggers.delivery.outcome',
  durationMs: 'triggers.delivery.duration_ms',
  deliveryCount: 'triggers.delivery.count',
  commitItems: 'triggers.commit.items',
  targetHost: 'server.address',
  statusCode: 'http.response.status_code',
} as const;
