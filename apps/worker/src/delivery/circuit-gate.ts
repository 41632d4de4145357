import type { Database } from '@triggers/db';
import { admitThroughCircuit, type CircuitTransition, type DeliveryContext, findCircuitHolds } from '@triggers/delivery';
import type { Logger } from '@triggers/logger';
import type { DeliveryJob, JobWithMetadata } from '@triggers/queue';
import type { Kysely } from 'kysely';
import type { WorkerMetrics } from '../metrics/worker-metrics.js';

export interface CircuitGateOptions {
  db: Kysely<Database>;
  logger: Logger;
  metrics: WorkerMetrics;
  /** How long a probe may go unanswered before another may go: pg-boss's expiry of a delivery job. */
  probeTimeoutSeconds: number;
}

/**
 * The worker's side of the circuit breakers (their rules and state are packages/delivery's):
 * asks whether a delivery of a subscription whose circuit is not closed may go (as its probe) or
 * waits, reads the holds the dispatcher's fetches respect, and logs and counts every change with
 * the organization and the subscription.
 */
export class CircuitGate {
  constructor(private readonly options: CircuitGateOptions) {}

  /** Attempt it, or hold it back until `until` (its subscription's circuit is open, or probing). */
  async admit(
    job: JobWithMetadata<DeliveryJob>,
    context: DeliveryContext | undefined,
  ): Promise<{ kind: 'attempt' } | { kind: 'hold'; until: Date }> {
    const subscription = context?.subscription;
    // Only a delivery that would be attempted now asks; the rest are settled as they are.
    if (!context || !subscription || subscription.circuit === 'closed') return { kind: 'attempt' };
    if (subscription.status !== 'active' || context.status !== 'pending' || context.jobId !== job.id || context.acknowledged) {
      return { kind: 'attempt' };
    }
    const admission = await admitThroughCircuit(
      this.options.db,
      job.data.subscriptionId,
      job.id,
      this.options.probeTimeoutSeconds,
    );
    if (admission.kind === 'probe') {
      this.changed(admission.transition);
      return { kind: 'attempt' };
    }
    return admission;
  }

  holds(maxInFlight: number) {
    return findCircuitHolds(this.options.db, maxInFlight);
  }

  /** One log line and one count per change of a circuit. */
  changed(t: CircuitTransition): void {
    this.options.metrics.circuitChanges.inc({ change: t.change });
    const fields = {
      org_id: t.orgId,
      subscription_id: t.subscriptionId,
      circuit: t.state,
      consecutive_failures: t.consecutiveFailures,
      cooloff_seconds: t.cooloffSeconds ?? undefined,
      next_probe_at: t.nextProbeAt?.toISOString(),
    };
    const logger = this.options.logger;
    switch (t.change) {
      case 'opened':
        logger.warn('circuit opened: deliveries to this subscription are held back', fields);
        return;
      case 'half_opened':
        logger.info('circuit half-open: one probe delivery goes out', fields);
        return;
      case 'reopened':
        logger.warn('circuit reopened: the probe failed; the cool-off doubles', fields);
        return;
      case 'closed':
        logger.info('circuit closed: deliveries flow again, ramping up', fields);
        return;
    }
  }
}
