import { randomUUID } from 'node:crypto';
import type { Database, SubscriptionStatus } from '@triggers/db';
import type { PgBoss } from '@triggers/queue';
import { sql, type Transaction } from 'kysely';
import { matchesEventType } from '../matching.js';
import { insertDeliveryJobs, type QueuedDelivery } from './enqueue.js';
import { lockEvents } from './event-locks.js';
import { refreshEventStatuses } from './event-status.js';

export interface RequeueResult {
  /** Events that got at least one fresh delivery. */
  requeued: string[];
  /** Events that already had a delivery pending to every target asked for. */
  alreadyPending: string[];
}

interface SubscriptionRow {
  id: string;
  event_types: string[];
  status: SubscriptionStatus;
}

/**
 * A fresh delivery of each event (redeliver, replay): to `subscriptionId` when given (whatever its
 * patterns, even if it was created after the event), else to every subscription that has a
 * delivery of the event not pending, or that matches it now and has none. Disabled and deleted
 * subscriptions get none. A fresh delivery starts a new round of attempts (its history stays) and
 * the event is no longer acknowledged. The events must be the organization's (the caller checked).
 */
export async function requeueEvents(
  boss: PgBoss,
  trx: Transaction<Database>,
  orgId: string,
  eventIds: readonly string[],
  subscriptionId?: string,
): Promise<RequeueResult> {
  if (eventIds.length === 0) return { requeued: [], alreadyPending: [] };
  await lockEvents(trx, eventIds);
  const { rows: events } = await sql<{ id: string; type: string }>`
    SELECT id, type FROM events WHERE org_id = ${orgId} AND id = ANY(${[...eventIds]}::uuid[])`.execute(trx);
  const subscriptionFilter = subscriptionId ? sql`AND id = ${subscriptionId}` : sql``;
  const { rows: subscriptions } = await sql<SubscriptionRow>`
    SELECT id, event_types, status FROM subscriptions
    WHERE org_id = ${orgId} AND status <> 'disabled' ${subscriptionFilter}`.execute(trx);
  const { rows: existing } = await sql<{ event_id: string; subscription_id: string; status: string }>`
    SELECT event_id, subscription_id, status FROM deliveries WHERE event_id = ANY(${events.map((e) => e.id)}::uuid[])`.execute(
    trx,
  );
  const deliveryStatus = new Map(existing.map((d) => [`${d.event_id}:${d.subscription_id}`, d.status]));

  const pairs: { eventId: string; subscriptionId: string; jobId: string | null }[] = [];
  const alreadyPending = new Set<string>();
  for (const e of events) {
    for (const s of subscriptions) {
      const status = deliveryStatus.get(`${e.id}:${s.id}`);
      if (status === 'pending') {
        alreadyPending.add(e.id);
        continue;
      }
      const wanted = subscriptionId !== undefined || status !== undefined || matchesEventType(s.event_types, e.type);
      if (wanted) pairs.push({ eventId: e.id, subscriptionId: s.id, jobId: s.status === 'active' ? randomUUID() : null });
    }
  }
  if (pairs.length === 0) return { requeued: [], alreadyPending: [...alreadyPending] };

  const { rows: fresh } = await sql<{ id: string; event_id: string; subscription_id: string; job_id: string | null }>`
    INSERT INTO deliveries AS d (event_id, subscription_id, org_id, job_id)
    SELECT p.event_id, p.subscription_id, ${orgId}::uuid, p.job_id
    FROM unnest(${pairs.map((p) => p.eventId)}::uuid[], ${pairs.map((p) => p.subscriptionId)}::uuid[],
      ${pairs.map((p) => p.jobId)}::uuid[]) AS p (event_id, subscription_id, job_id)
    ON CONFLICT (event_id, subscription_id) DO UPDATE SET
      status = 'pending', round_attempts_base = d.attempts, last_error = NULL, delivered_at = NULL,
      next_attempt_at = NULL, job_id = excluded.job_id
    WHERE d.status <> 'pending'
    RETURNING d.id, d.event_id, d.subscription_id, d.job_id`.execute(trx);
  const requeued = [...new Set(fresh.map((d) => d.event_id))];
  await sql`UPDATE events SET acknowledged_at = NULL WHERE id = ANY(${requeued}::uuid[])`.execute(trx);
  await refreshEventStatuses(trx, requeued);
  const queued = fresh
    .filter((d) => d.job_id !== null)
    .map(
      (d): QueuedDelivery => ({
        deliveryId: d.id,
        eventId: d.event_id,
        subscriptionId: d.subscription_id,
        orgId,
        jobId: d.job_id as string,
      }),
    );
  await insertDeliveryJobs(boss, trx, queued);
  const requeuedSet = new Set(requeued);
  return { requeued, alreadyPending: [...alreadyPending].filter((id) => !requeuedSet.has(id)) };
}
