import { randomUUID } from 'node:crypto';
import type { Database, SubscriptionStatus } from '@triggers/db';
import type { FanOutJob, PgBoss } from '@triggers/queue';
import { sql, type Transaction } from 'kysely';
import { matchesEventType } from '../matching.js';
import { insertDeliveryJobs, type QueuedDelivery } from './enqueue.js';
import { lockEvents } from './event-locks.js';

interface EventRow {
  id: string;
  org_id: string;
  type: string;
  acknowledged_at: Date | null;
}

interface SubscriptionRow {
  id: string;
  org_id: string;
  event_types: string[];
  status: SubscriptionStatus;
}

/**
 * Turns events into deliveries (the `created` transition): one per subscription of the event's
 * organization that is active or paused now and whose patterns match its type. Deliveries of
 * active subscriptions are queued at once; those of paused ones wait with no job until the
 * subscription is active again. Idempotent: a delivery that exists is left alone (so a fan-out
 * job run twice creates nothing twice), and an acknowledged event gets none. Subscriptions are
 * read fresh here, milliseconds after ingest: nothing about them is cached.
 * Resolves to the deliveries queued.
 */
export async function fanOut(boss: PgBoss, trx: Transaction<Database>, jobs: readonly FanOutJob[]): Promise<QueuedDelivery[]> {
  if (jobs.length === 0) return [];
  const eventIds = [...new Set(jobs.map((j) => j.eventId))];
  await lockEvents(trx, eventIds);
  const { rows: events } = await sql<EventRow>`
    SELECT id, org_id, type, acknowledged_at FROM events WHERE id = ANY(${eventIds}::uuid[])`.execute(trx);
  const orgIds = [...new Set(events.map((e) => e.org_id))];
  if (orgIds.length === 0) return [];
  const { rows: subscriptions } = await sql<SubscriptionRow>`
    SELECT id, org_id, event_types, status FROM subscriptions
    WHERE org_id = ANY(${orgIds}::uuid[]) AND status IN ('active', 'paused')`.execute(trx);
  const byOrg = new Map<string, SubscriptionRow[]>();
  for (const s of subscriptions) byOrg.set(s.org_id, [...(byOrg.get(s.org_id) ?? []), s]);

  const rows: { eventId: string; subscriptionId: string; orgId: string; jobId: string | null }[] = [];
  for (const e of events) {
    if (e.acknowledged_at !== null) continue;
    for (const s of byOrg.get(e.org_id) ?? []) {
      if (!matchesEventType(s.event_types, e.type)) continue;
      rows.push({ eventId: e.id, subscriptionId: s.id, orgId: e.org_id, jobId: s.status === 'active' ? randomUUID() : null });
    }
  }
  if (rows.length === 0) return [];
  const { rows: inserted } = await sql<{
    id: string;
    event_id: string;
    subscription_id: string;
    org_id: string;
    job_id: string | null;
  }>`
    INSERT INTO deliveries (event_id, subscription_id, org_id, job_id)
    SELECT * FROM unnest(${rows.map((r) => r.eventId)}::uuid[], ${rows.map((r) => r.subscriptionId)}::uuid[],
      ${rows.map((r) => r.orgId)}::uuid[], ${rows.map((r) => r.jobId)}::uuid[])
    ON CONFLICT (event_id, subscription_id) DO NOTHING
    RETURNING id, event_id, subscription_id, org_id, job_id`.execute(trx);
  // Each delivery's job carries its event's trace context (the worker's fan-out span, when tracing).
  const traces = new Map(jobs.map((j) => [j.eventId, j.trace]));
  const queued: QueuedDelivery[] = inserted
    .filter((d) => d.job_id !== null)
    .map((d) => {
      const trace = traces.get(d.event_id);
      return {
        deliveryId: d.id,
        eventId: d.event_id,
        subscriptionId: d.subscription_id,
        orgId: d.org_id,
        jobId: d.job_id as string,
        ...(trace && { trace }),
      };
    });
  await insertDeliveryJobs(boss, trx, queued);
  return queued;
}
