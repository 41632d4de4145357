import type { Database } from '@triggers/db';
import { sql, type Transaction } from 'kysely';
import { lockEvents } from './event-locks.js';
import { refreshEventStatuses } from './event-status.js';

export interface DeadLetteredJob {
  deliveryId: string;
  eventId: string;
  /** The id of the delivery job that pg-boss dead-lettered. */
  sourceJobId: string;
}

export const LOST_LAST_ATTEMPT = 'the worker stopped during the last attempt';

/**
 * Jobs pg-boss dead-lettered on its own (their worker died during the last attempt, so no result
 * was ever written): their deliveries, if still pending on that job, become `failed`. Jobs the
 * worker dead-lettered itself find their delivery failed already and change nothing.
 * Resolves to how many deliveries failed.
 */
export async function failDeadLetteredDeliveries(trx: Transaction<Database>, jobs: readonly DeadLetteredJob[]): Promise<number> {
  if (jobs.length === 0) return 0;
  await lockEvents(
    trx,
    jobs.map((j) => j.eventId),
  );
  const { rows } = await sql<{ event_id: string }>`
    UPDATE deliveries d SET status = 'failed', next_attempt_at = NULL,
      last_error = coalesce(d.last_error, ${LOST_LAST_ATTEMPT})
    FROM unnest(${jobs.map((j) => j.deliveryId)}::uuid[], ${jobs.map((j) => j.sourceJobId)}::uuid[]) AS j (delivery_id, job_id)
    WHERE d.id = j.delivery_id AND d.job_id = j.job_id AND d.status = 'pending'
    RETURNING d.event_id`.execute(trx);
  await refreshEventStatuses(
    trx,
    rows.map((r) => r.event_id),
  );
  return rows.length;
}
