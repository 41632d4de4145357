import type { JobWithMetadata } from '@triggers/queue';
import type { AttemptRecord, DeliveryTarget } from './deliveries.repository.js';
import { buildDeliveryRequest } from './delivery-request.js';
import type { HttpDelivery, HttpOutcome } from './http-delivery.js';

/** What became of one job. */
export type DeliveryOutcome =
  /** A 2xx: the event is delivered. */
  | 'delivered'
  /** A failure with retries left: the job comes back after the backoff or the Retry-After. */
  | 'retrying'
  /** The last attempt failed: the event is failed, the job goes to the dead-letter queue. */
  | 'failed'
  /** A 410: the organization's webhook is switched off, the event stays in the inbox as failed. */
  | 'gone'
  /** Nothing to send (already delivered or acknowledged, webhook off, event gone). */
  | 'skipped'
  /** The worker stopped mid-request: the job is given back without counting an attempt. */
  | 'released';

/** How the job is settled with pg-boss, in the same transaction that records the attempt. */
export type Settlement =
  | { kind: 'complete' }
  /** pg-boss retries after its exponential backoff, or dead-letters the job after its last try. */
  | { kind: 'fail'; reason: string }
  /** Failed like `fail`, then the retry is moved to the receiver's Retry-After. */
  | { kind: 'fail-after'; reason: string; delaySeconds: number }
  | { kind: 'release' };

export interface DeliveryResult {
  job: { id: string; retryCount: number };
  eventId: string;
  outcome: DeliveryOutcome;
  /** Why a job was skipped, for the log. */
  skipReason?: string;
  attempt?: AttemptRecord;
  http?: HttpOutcome;
  /** Switch this organization's webhook off (only if it still points at this URL). */
  disableWebhook?: { orgId: string; url: string };
  settlement: Settlement;
}

export interface DeliverEventInput {
  job: JobWithMetadata<{ eventId: string; orgId: string }>;
  target: DeliveryTarget | undefined;
  http: HttpDelivery;
  signal?: AbortSignal;
}

function skip(job: DeliverEventInput['job'], reason: string): DeliveryResult {
  return {
    job: { id: job.id, retryCount: job.retryCount },
    eventId: job.data.eventId,
    outcome: 'skipped',
    skipReason: reason,
    settlement: { kind: 'complete' },
  };
}

/**
 * One job: decide whether there is anything to send, send it, and say how the attempt should be
 * recorded and the job settled. Writes nothing itself; the caller commits the result.
 */
export async function deliverEvent({ job, target, http, signal }: DeliverEventInput): Promise<DeliveryResult> {
  if (!target || target.orgId !== job.data.orgId) return skip(job, 'event not found');
  if (target.status === 'delivered') return skip(job, 'already delivered or acknowledged');
  if (target.webhookUrl === null) return skip(job, 'no webhook configured');
  if (target.secrets.length === 0) return skip(job, 'webhook has no signing secret');

  const attempt = target.attempts + 1;
  const attemptedAt = new Date();
  const request = buildDeliveryRequest({ ...target, webhookUrl: target.webhookUrl }, attempt, attemptedAt);
  const response = await http.post(request, signal);
  const base = { job: { id: job.id, retryCount: job.retryCount }, eventId: target.eventId, http: response };
  if (response.aborted) return { ...base, outcome: 'released', settlement: { kind: 'release' } };

  const record = (effect: AttemptRecord['effect']): AttemptRecord => ({
    eventId: target.eventId,
    attempt,
    statusCode: response.statusCode,
    error: response.error,
    durationMs: response.durationMs,
    attemptedAt,
    effect,
  });
  if (response.error === null) {
    return { ...base, outcome: 'delivered', attempt: record('delivered'), settlement: { kind: 'complete' } };
  }
  if (response.statusCode === 410) {
    return {
      ...base,
      outcome: 'gone',
      attempt: record('failed'),
      disableWebhook: { orgId: target.orgId, url: target.webhookUrl },
      settlement: { kind: 'complete' },
    };
  }
  if (job.retryCount >= job.retryLimit) {
    return { ...base, outcome: 'failed', attempt: record('failed'), settlement: { kind: 'fail', reason: response.error } };
  }
  const settlement: Settlement =
    response.retryAfterSeconds !== null
      ? { kind: 'fail-after', reason: response.error, delaySeconds: response.retryAfterSeconds }
      : { kind: 'fail', reason: response.error };
  return { ...base, outcome: 'retrying', attempt: record('retrying'), settlement };
}
