import type { Database } from '@triggers/db';
import type { PgBoss } from '@triggers/queue';
import { sql, type Transaction } from 'kysely';
import { insertDeliveryJobs, type QueuedDelivery } from './enqueue.js';

interface Row {
  id: string;
  event_id: string;
  subscription_id: string;
  org_id: string;
  job_id: string;
  attempts: number;
  round_attempts_base: number;
}

/**
 * Queues pending deliveries that have no job while their subscription is active: the deliveries
 * a paused subscription held (the `paused` → active transition), and any a race left behind.
 * Each job gets the attempts left in its delivery's round. `subscriptionId` limits it to one
 * subscription (resume); without it, up to `limit` of any active subscription (the worker's
 * periodic sweep). Resolves to how many were queued.
 */
export async function queueUnqueuedDeliveries(
  boss: PgBoss,
  trx: Transaction<Database>,
  options: { maxAttempts: number; subscriptionId?: string; limit?: number },
): Promise<number> {
  const limit = options.limit ?? 100_000;
  const subscriptionFilter = options.subscriptionId ? sql`AND s.id = ${options.subscriptionId}` : sql``;
  const { rows } = await sql<Row>`
    WITH picked AS (
      SELECT d.id FROM subscriptions s
      CROSS JOIN LATERAL (
        SELECT d.id FROM deliveries d
        WHERE d.subscription_id = s.id AND d.status = 'pending' AND d.job_id IS NULL
        LIMIT ${limit}
      ) d
      WHERE s.status = 'active' ${subscriptionFilter}
      LIMIT ${limit}
    )
    UPDATE deliveries d SET job_id = gen_random_uuid()
    FROM picked
    WHERE d.id = picked.id AND d.status = 'pending' AND d.job_id IS NULL
    RETURNING d.id, d.event_id, d.subscription_id, d.org_id, d.job_id, d.attempts, d.round_attempts_base`.execute(trx);
  const queued = rows.map(
    (r): QueuedDelivery => ({
      deliveryId: r.id,
      eventId: r.event_id,
      subscriptionId: r.subscription_id,
      orgId: r.org_id,
      jobId: r.job_id,
      retryLimit: Math.max(0, options.maxAttempts - 1 - (r.attempts - r.round_attempts_base)),
    }),
  );
  await insertDeliveryJobs(boss, trx, queued);
  return queued.length;
}
