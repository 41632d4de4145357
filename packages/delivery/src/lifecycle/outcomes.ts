import { randomUUID } from 'node:crypto';
import type { Database, DisabledReason } from '@triggers/db';
import { DELIVERY_QUEUE, fromKysely, type PgBoss } from '@triggers/queue';
import { sql, type Transaction } from 'kysely';
import type { BreakerSettings } from '../circuit/circuit-policy.js';
import { type CircuitTransition, updateCircuits } from '../circuit/circuits.js';
import { insertDeliveryJobs, type QueuedDelivery } from './enqueue.js';
import { lockEvents } from './event-locks.js';
import { refreshEventStatuses } from './event-status.js';

/**
 * What one worked delivery job did, as the worker reports it:
 * - `delivered`: a 2xx (attempted → delivered);
 * - `retrying`: a failure with attempts left (attempted → retrying, due at `retryAt`);
 * - `failed`: the round's last attempt failed (→ failed, the job is dead-lettered), or, with no
 *   attempt, the subscription was disabled when the job came (→ failed, with `reason`);
 * - `gone`: a 410 (→ failed, and the subscription disabled);
 * - `cancelled`: the subscription was deleted or the event acknowledged (→ cancelled);
 * - `parked`: the subscription is paused (stays pending, with no job, not counted);
 * - `released`: the worker stopped mid-request (stays pending on a fresh job, not counted);
 * - `postponed`: its subscription's circuit is open, or ramping up (stays pending on a fresh job
 *   due at `retryAt`, not attempted, not counted);
 * - `skipped`: nothing to do (the delivery is no longer this job's).
 */
export type DeliveryEffect =
  | 'delivered'
  | 'retrying'
  | 'failed'
  | 'gone'
  | 'cancelled'
  | 'parked'
  | 'released'
  | 'postponed'
  | 'skipped';

export interface AttemptRecord {
  attempt: number;
  statusCode: number | null;
  error: string | null;
  durationMs: number;
  attemptedAt: Date;
}

export interface DeliveryOutcome {
  /** The job as fetched: settles are fenced to this claim of it. */
  job: { id: string; retryCount: number; retryLimit: number };
  deliveryId: string;
  eventId: string;
  subscriptionId: string;
  orgId: string;
  effect: DeliveryEffect;
  attempt?: AttemptRecord;
  /** Why a delivery failed with no attempt. */
  reason?: string;
  /** `retrying`: when the next attempt is due; `postponed`: when its fresh job is. */
  retryAt?: Date;
  /** The trace context the job carried: a fresh job (released, postponed) carries it on. */
  trace?: Record<string, string>;
  /** `gone`: the URL that answered 410 (the subscription is disabled only if it still has it). */
  targetUrl?: string;
}

export interface RecordedOutcome {
  /** False when the delivery had meanwhile moved on (acknowledged, cancelled, redelivered). */
  applied: boolean;
  /** The subscription was disabled by this outcome. */
  disabled?: DisabledReason;
  /** Its subscription's circuit changed with this group (on the first of its outcomes only). */
  circuit?: CircuitTransition;
}

export interface OutcomeSettings {
  /** SUBSCRIPTION_DISABLE_AFTER_HOURS. */
  disableAfterHours: number;
  /** BREAKER_FAILURE_THRESHOLD and BREAKER_COOLOFF_SECONDS. */
  breaker: BreakerSettings;
}

const SETTLE_ONLY: ReadonlySet<DeliveryEffect> = new Set(['skipped']);
/** Outcomes whose delivery stays pending on a fresh job, its attempt not made and not counted. */
const REQUEUED: ReadonlySet<DeliveryEffect> = new Set(['released', 'postponed']);

/**
 * Records a group of outcomes in the caller's transaction: the attempts, each delivery's
 * transition (only while the delivery is still pending on the job that was worked), the
 * subscriptions' health (a 410 disables one; failing with no success for
 * SUBSCRIPTION_DISABLE_AFTER_HOURS disables it), their circuit breakers (packages/delivery's
 * circuit/: failures in a row open one, the probe's answer closes or reopens it), the events' derived status, and each job's
 * settlement with pg-boss, so a delivery's row and its job never disagree.
 */
export async function recordOutcomes(
  boss: PgBoss,
  trx: Transaction<Database>,
  outcomes: readonly DeliveryOutcome[],
  settings: OutcomeSettings,
): Promise<RecordedOutcome[]> {
  const writes = outcomes.filter((o) => !SETTLE_ONLY.has(o.effect));
  await lockEvents(
    trx,
    writes.map((o) => o.eventId),
  );
  const released = new Map<string, string>();
  for (const o of writes) if (REQUEUED.has(o.effect)) released.set(o.deliveryId, randomUUID());
  const applied = await applyTransitions(trx, writes, released);
  const disabled = await updateSubscriptionHealth(trx, writes, settings);
  const circuits = await updateCircuits(
    trx,
    writes.flatMap((o) =>
      o.attempt
        ? [
            {
              subscriptionId: o.subscriptionId,
              jobId: o.job.id,
              succeeded: o.effect === 'delivered',
              attemptedAt: o.attempt.attemptedAt,
            },
          ]
        : [],
    ),
    settings.breaker,
  );
  await refreshEventStatuses(
    trx,
    writes.filter((o) => applied.has(o.deliveryId) && o.effect !== 'parked' && !REQUEUED.has(o.effect)).map((o) => o.eventId),
  );
  await settleJobs(boss, trx, outcomes);
  await insertDeliveryJobs(
    boss,
    trx,
    writes
      .filter((o) => REQUEUED.has(o.effect) && applied.has(o.deliveryId))
      .map(
        (o): QueuedDelivery => ({
          deliveryId: o.deliveryId,
          eventId: o.eventId,
          subscriptionId: o.subscriptionId,
          orgId: o.orgId,
          jobId: released.get(o.deliveryId) as string,
          // The abandoned or postponed claim did not use up a retry.
          retryLimit: Math.max(0, o.job.retryLimit - o.job.retryCount),
          ...(o.effect === 'postponed' && o.retryAt && { startAfter: o.retryAt }),
          ...(o.trace && { trace: o.trace }),
        }),
      ),
  );
  const changed = new Map(circuits.map((c) => [c.subscriptionId, c]));
  return outcomes.map((o) => {
    const circuit = changed.get(o.subscriptionId);
    changed.delete(o.subscriptionId);
    return {
      applied: applied.has(o.deliveryId),
      ...(disabled.get(o.subscriptionId) && { disabled: disabled.get(o.subscriptionId) }),
      ...(circuit && { circuit }),
    };
  });
}

/** Delivery rows and attempts, fenced to the job worked. Resolves to the deliveries changed. */
async function applyTransitions(
  trx: Transaction<Database>,
  outcomes: readonly DeliveryOutcome[],
  released: Map<string, string>,
): Promise<Set<string>> {
  if (outcomes.length === 0) return new Set();
  const sorted = [...outcomes].sort((a, b) => (a.deliveryId < b.deliveryId ? -1 : a.deliveryId > b.deliveryId ? 1 : 0));
  const col = <T>(f: (o: DeliveryOutcome) => T) => sorted.map(f);
  const { rows } = await sql<{ id: string }>`
    WITH input AS (
      SELECT * FROM unnest(
        ${col((o) => o.deliveryId)}::uuid[], ${col((o) => o.job.id)}::uuid[], ${col((o) => o.effect)}::text[],
        ${col((o) => o.attempt?.attempt ?? null)}::int[], ${col((o) => o.attempt?.statusCode ?? null)}::int[],
        ${col((o) => o.attempt?.error ?? o.reason ?? null)}::text[], ${col((o) => o.attempt?.durationMs ?? null)}::int[],
        ${col((o) => o.attempt?.attemptedAt.toISOString() ?? null)}::timestamptz[],
        ${col((o) => o.retryAt?.toISOString() ?? null)}::timestamptz[],
        ${col((o) => released.get(o.deliveryId) ?? null)}::uuid[]
      ) AS i (delivery_id, job_id, effect, attempt, status_code, error, duration_ms, attempted_at, retry_at, new_job_id)
    ),
    updated AS (
      UPDATE deliveries d SET
        status = CASE
          WHEN i.effect = 'delivered' THEN 'delivered'
          WHEN i.effect IN ('failed', 'gone') THEN 'failed'
          WHEN i.effect = 'cancelled' THEN 'cancelled'
          ELSE d.status END,
        attempts = d.attempts + CASE WHEN i.attempt IS NULL THEN 0 ELSE 1 END,
        last_error = CASE WHEN i.effect = 'delivered' THEN NULL ELSE coalesce(i.error, d.last_error) END,
        delivered_at = CASE WHEN i.effect = 'delivered' THEN i.attempted_at + i.duration_ms * interval '1 millisecond' ELSE d.delivered_at END,
        last_attempt_at = coalesce(i.attempted_at, d.last_attempt_at),
        next_attempt_at = CASE WHEN i.effect IN ('retrying', 'postponed') THEN i.retry_at ELSE NULL END,
        job_id = CASE WHEN i.effect = 'parked' THEN NULL WHEN i.effect IN ('released', 'postponed') THEN i.new_job_id ELSE d.job_id END
      FROM input i
      WHERE d.id = i.delivery_id AND d.job_id = i.job_id AND d.status = 'pending'
      RETURNING d.id, d.event_id, d.subscription_id
    ),
    attempts AS (
      INSERT INTO delivery_attempts (event_id, subscription_id, attempt, status_code, error, duration_ms, attempted_at)
      SELECT u.event_id, u.subscription_id, i.attempt, i.status_code, i.error, i.duration_ms, i.attempted_at
      FROM updated u JOIN input i ON i.delivery_id = u.id
      WHERE i.attempt IS NOT NULL
    )
    SELECT id FROM updated`.execute(trx);
  return new Set(rows.map((r) => r.id));
}

/**
 * A 410 disables its subscription (if it still has the URL that answered); a success clears its
 * failing streak; a failure starts one, and a streak older than SUBSCRIPTION_DISABLE_AFTER_HOURS
 * disables it. Subscriptions are updated in id order.
 */
async function updateSubscriptionHealth(
  trx: Transaction<Database>,
  outcomes: readonly DeliveryOutcome[],
  settings: OutcomeSettings,
): Promise<Map<string, DisabledReason>> {
  const disabled = new Map<string, DisabledReason>();
  const attempted = outcomes.filter((o) => o.attempt !== undefined);
  if (attempted.length === 0) return disabled;
  const sortIds = (ids: Iterable<string>) => [...new Set(ids)].sort();

  const gone = attempted.filter((o) => o.effect === 'gone').sort((a, b) => (a.subscriptionId < b.subscriptionId ? -1 : 1));
  for (const o of gone) {
    const { rows } = await sql<{ id: string }>`
      UPDATE subscriptions SET status = 'disabled', disabled_reason = 'gone', disabled_at = now(),
        updated_at = date_trunc('milliseconds', now())
      WHERE id = ${o.subscriptionId} AND target_url = ${o.targetUrl ?? ''} AND status <> 'disabled'
      RETURNING id`.execute(trx);
    if (rows[0]) disabled.set(rows[0].id, 'gone');
  }

  const succeeded = sortIds(attempted.filter((o) => o.effect === 'delivered').map((o) => o.subscriptionId));
  const failing = sortIds(
    attempted.filter((o) => o.effect === 'retrying' || o.effect === 'failed').map((o) => o.subscriptionId),
  ).filter((id) => !succeeded.includes(id));
  if (succeeded.length > 0) {
    await sql`UPDATE subscriptions SET failing_since = NULL
      WHERE id = ANY(${succeeded}::uuid[]) AND failing_since IS NOT NULL`.execute(trx);
  }
  if (failing.length > 0) {
    const firstFailure = new Date(Math.min(...attempted.map((o) => o.attempt?.attemptedAt.getTime() ?? Date.now())));
    const { rows } = await sql`
      UPDATE subscriptions SET
        failing_since = coalesce(failing_since, ${firstFailure}::timestamptz),
        status = CASE WHEN status = 'active'
          AND coalesce(failing_since, ${firstFailure}::timestamptz) <= now() - make_interval(secs => ${settings.disableAfterHours * 3600})
          THEN 'disabled' ELSE status END,
        disabled_reason = CASE WHEN status = 'active'
          AND coalesce(failing_since, ${firstFailure}::timestamptz) <= now() - make_interval(secs => ${settings.disableAfterHours * 3600})
          THEN 'failing' ELSE disabled_reason END,
        disabled_at = CASE WHEN status = 'active'
          AND coalesce(failing_since, ${firstFailure}::timestamptz) <= now() - make_interval(secs => ${settings.disableAfterHours * 3600})
          THEN now() ELSE disabled_at END
      WHERE id = ANY(${failing}::uuid[])
      RETURNING id, (status = 'disabled' AND disabled_at = now()) AS just_disabled`.execute(trx);
    for (const r of rows as unknown as { id: string; just_disabled: boolean }[]) {
      if (r.just_disabled && !disabled.has(r.id)) disabled.set(r.id, 'failing');
    }
  }
  return disabled;
}

/**
 * Settles each job with pg-boss, fenced to the claim the worker fetched: `retrying` fails the job
 * and moves its next start to `retryAt`; a last failed attempt fails it with no retries left, so
 * pg-boss dead-letters it; everything else completes it (a released job's delivery goes on a new job).
 */
async function settleJobs(boss: PgBoss, trx: Transaction<Database>, outcomes: readonly DeliveryOutcome[]): Promise<void> {
  const db = fromKysely(trx);
  const fence = (o: DeliveryOutcome) => ({ id: o.job.id, retryCount: o.job.retryCount });
  const failing = outcomes.filter((o) => o.effect === 'retrying' || (o.effect === 'failed' && o.attempt !== undefined));
  const completed = outcomes.filter((o) => !failing.includes(o));
  if (completed.length > 0) await boss.complete(DELIVERY_QUEUE, completed.map(fence), null, { db });

  // One fail per distinct reason, so the reason stays on each job (and its dead-letter copy).
  const byReason = new Map<string, DeliveryOutcome[]>();
  for (const o of failing) {
    const reason = o.attempt?.error ?? 'failed';
    byReason.set(reason, [...(byReason.get(reason) ?? []), o]);
  }
  const failed = new Set<string>();
  for (const [reason, group] of byReason) {
    const response = await boss.fail(DELIVERY_QUEUE, group.map(fence), { error: reason }, { db });
    const settled = (response as { settled?: string[] }).settled ?? group.map((o) => o.job.id);
    for (const id of settled) failed.add(id);
  }
  // A failed job with retries left waits in `retry`; its next start is the schedule's (or Retry-After's).
  for (const o of failing) {
    if (o.effect !== 'retrying' || !o.retryAt || !failed.has(o.job.id)) continue;
    await boss.update(DELIVERY_QUEUE, undefined, { id: o.job.id, startAfter: o.retryAt, db });
  }
}
