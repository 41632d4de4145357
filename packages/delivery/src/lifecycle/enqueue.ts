import type { Database } from '@triggers/db';
import { DELIVERY_QUEUE, type DeliveryJob, FANOUT_QUEUE, type FanOutJob, fromKysely, type PgBoss } from '@triggers/queue';
import { carrierOf, type TraceCarrier } from '@triggers/telemetry';
import type { Transaction } from 'kysely';

/** A delivery to put on the queue, with the id its job gets (also stored in deliveries.job_id). */
export interface QueuedDelivery {
  deliveryId: string;
  eventId: string;
  subscriptionId: string;
  orgId: string;
  jobId: string;
  /** Retries this job may use; by default the queue's (a whole round of attempts). */
  retryLimit?: number;
  startAfter?: Date;
  /** The trace its attempts join; by default the one active here (a redelivering request's), if any. */
  trace?: TraceCarrier;
}

/**
 * Inserts delivery jobs in the caller's transaction, each grouped by its subscription so that
 * the workers' `groupConcurrency` caps the deliveries in flight to one subscription.
 */
export async function insertDeliveryJobs(
  boss: PgBoss,
  trx: Transaction<Database>,
  deliveries: readonly QueuedDelivery[],
): Promise<void> {
  if (deliveries.length === 0) return;
  const active = carrierOf();
  const jobs = deliveries.map((d) => {
    const trace = d.trace ?? active;
    return {
      id: d.jobId,
      data: {
        deliveryId: d.deliveryId,
        eventId: d.eventId,
        subscriptionId: d.subscriptionId,
        orgId: d.orgId,
        ...(trace && { trace }),
      } satisfies DeliveryJob,
      group: { id: d.subscriptionId },
      ...(d.retryLimit !== undefined && { retryLimit: d.retryLimit }),
      ...(d.startAfter !== undefined && { startAfter: d.startAfter }),
    };
  });
  await boss.insert(DELIVERY_QUEUE, jobs, { db: fromKysely(trx) });
}

/** One fan-out job per event, in the caller's (ingest) transaction: the cost of ingest does not depend on subscriptions. */
export async function insertFanOutJobs(boss: PgBoss, trx: Transaction<Database>, events: readonly FanOutJob[]): Promise<void> {
  if (events.length === 0) return;
  await boss.insert(
    FANOUT_QUEUE,
    events.map((e) => ({ data: { eventId: e.eventId, orgId: e.orgId, ...(e.trace && { trace: e.trace }) } satisfies FanOutJob })),
    { db: fromKysely(trx) },
  );
}
