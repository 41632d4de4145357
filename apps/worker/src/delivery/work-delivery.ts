import type { DeliveryContext, DeliveryOutcome, RetrySchedule } from '@triggers/delivery';
import { retryDelaySeconds } from '@triggers/delivery';
import type { DeliveryJob, JobWithMetadata } from '@triggers/queue';
import { buildDeliveryRequest } from './delivery-request.js';
import type { HttpDelivery, HttpOutcome } from './http-delivery.js';

/** One worked job: the outcome to record, and what the log and metrics need. */
export interface WorkedDelivery {
  outcome: DeliveryOutcome;
  http?: HttpOutcome;
  /** The host the request went to (for logs; never the path or query, which may hold tokens). */
  targetHost?: string;
  eventCreatedAt?: Date;
}

export interface WorkDeliveryInput {
  job: JobWithMetadata<DeliveryJob>;
  context: DeliveryContext | undefined;
  http: HttpDelivery;
  schedule: RetrySchedule;
  signal?: AbortSignal;
  now?: () => Date;
}

function hostOf(url: string): string | undefined {
  try {
    return new URL(url).host;
  } catch {
    return undefined;
  }
}

/**
 * One delivery job: decide from its delivery, event and subscription, read fresh, whether there
 * is anything to send; send it; and say which transition to record. Writes nothing itself.
 */
export async function workDelivery({
  job,
  context,
  http,
  schedule,
  signal,
  now = () => new Date(),
}: WorkDeliveryInput): Promise<WorkedDelivery> {
  const base = {
    job: { id: job.id, retryCount: job.retryCount, retryLimit: job.retryLimit },
    deliveryId: job.data.deliveryId,
    eventId: job.data.eventId,
    subscriptionId: job.data.subscriptionId,
    orgId: job.data.orgId,
    // A fresh job for this delivery (released by a stopping worker) carries its trace on.
    ...(job.data.trace && { trace: job.data.trace }),
  };
  if (!context || context.orgId !== job.data.orgId || context.jobId !== job.id || context.status !== 'pending') {
    return { outcome: { ...base, effect: 'skipped', reason: 'the delivery is no longer this job' } };
  }
  const subscription = context.subscription;
  if (context.acknowledged) return { outcome: { ...base, effect: 'cancelled', reason: 'event acknowledged' } };
  if (!subscription) return { outcome: { ...base, effect: 'cancelled', reason: 'subscription deleted' } };
  if (subscription.status === 'paused') return { outcome: { ...base, effect: 'parked' } };
  if (subscription.status === 'disabled') return { outcome: { ...base, effect: 'failed', reason: 'subscription disabled' } };

  const attempt = context.attempts + 1;
  const attemptedAt = now();
  const request = buildDeliveryRequest(context, subscription, attempt, attemptedAt);
  const response = await http.post(request, signal);
  const worked = { http: response, targetHost: hostOf(subscription.targetUrl), eventCreatedAt: context.createdAt };
  if (response.aborted) return { ...worked, outcome: { ...base, effect: 'released' } };

  const record = {
    attempt,
    statusCode: response.statusCode,
    error: response.error,
    durationMs: response.durationMs,
    attemptedAt,
  };
  if (response.error === null) return { ...worked, outcome: { ...base, effect: 'delivered', attempt: record } };
  if (response.statusCode === 410) {
    return { ...worked, outcome: { ...base, effect: 'gone', attempt: record, targetUrl: subscription.targetUrl } };
  }
  if (job.retryCount >= job.retryLimit) return { ...worked, outcome: { ...base, effect: 'failed', attempt: record } };
  const delaySeconds = response.retryAfterSeconds ?? retryDelaySeconds(schedule, context.roundAttempts + 1);
  const retryAt = new Date(attemptedAt.getTime() + response.durationMs + delaySeconds * 1000);
  return { ...worked, outcome: { ...base, effect: 'retrying', attempt: record, retryAt } };
}
