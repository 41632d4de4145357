import type { CircuitState, Db, DeliveryStatus, SubscriptionStatus } from '@triggers/db';
import { sql } from 'kysely';

/** What the worker needs to work one delivery job, read fresh for each batch (nothing cached). */
export interface DeliveryContext {
  deliveryId: string;
  eventId: string;
  orgId: string;
  subscriptionId: string;
  status: DeliveryStatus;
  /** The job the delivery is on now; a job that is not it has nothing to do. */
  jobId: string | null;
  attempts: number;
  /** Attempts made in the current round. */
  roundAttempts: number;
  type: string;
  /** The payload as JSON text, exactly as stored. */
  payload: string;
  createdAt: Date;
  acknowledged: boolean;
  /** Undefined when the subscription was deleted. */
  subscription?: {
    targetUrl: string;
    status: SubscriptionStatus;
    /** The current secret first, then the previous one while its rotation grace lasts. */
    secrets: string[];
    /** Its circuit breaker's state when the batch was read (admitThroughCircuit decides when it is not closed). */
    circuit: CircuitState;
  };
}

interface Row {
  id: string;
  event_id: string;
  org_id: string;
  subscription_id: string;
  status: DeliveryStatus;
  job_id: string | null;
  attempts: number;
  round_attempts_base: number;
  type: string;
  payload: string;
  created_at: Date;
  acknowledged_at: Date | null;
  target_url: string | null;
  subscription_status: SubscriptionStatus | null;
  secret: string | null;
  previous_secret: string | null;
  circuit_state: CircuitState | null;
}

/** The deliveries of a batch of jobs with their events and subscriptions, in one query. */
export async function loadDeliveryContexts(db: Db, deliveryIds: readonly string[]): Promise<Map<string, DeliveryContext>> {
  if (deliveryIds.length === 0) return new Map();
  const { rows } = await sql<Row>`
    SELECT d.id, d.event_id, d.org_id, d.subscription_id, d.status, d.job_id, d.attempts, d.round_attempts_base,
      e.type, e.payload::text AS payload, e.created_at, e.acknowledged_at,
      s.target_url, s.status AS subscription_status, s.secret, s.circuit_state,
      CASE WHEN s.previous_secret_expires_at > now() THEN s.previous_secret END AS previous_secret
    FROM deliveries d
    JOIN events e ON e.id = d.event_id
    LEFT JOIN subscriptions s ON s.id = d.subscription_id
    WHERE d.id = ANY(${[...deliveryIds]}::uuid[])`.execute(db);
  return new Map(
    rows.map((r) => [
      r.id,
      {
        deliveryId: r.id,
        eventId: r.event_id,
        orgId: r.org_id,
        subscriptionId: r.subscription_id,
        status: r.status,
        jobId: r.job_id,
        attempts: r.attempts,
        roundAttempts: r.attempts - r.round_attempts_base,
        type: r.type,
        payload: r.payload,
        createdAt: r.created_at,
        acknowledged: r.acknowledged_at !== null,
        ...(r.target_url !== null &&
          r.subscription_status !== null &&
          r.secret !== null && {
            subscription: {
              targetUrl: r.target_url,
              status: r.subscription_status,
              secrets: [r.secret, r.previous_secret].filter((s): s is string => s !== null),
              circuit: r.circuit_state ?? 'closed',
            },
          }),
      },
    ]),
  );
}
