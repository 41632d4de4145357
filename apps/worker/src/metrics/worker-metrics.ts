import { type Db, databaseAnswers } from '@triggers/db';
import { countCircuits } from '@triggers/delivery';
import { DEAD_LETTER_QUEUE, DELIVERY_QUEUE, FANOUT_QUEUE, oldestReadyJobSeconds, type PgBoss } from '@triggers/queue';
import { Counter, collectDefaultMetrics, Gauge, Histogram, Registry } from 'prom-client';
import type { WorkedDelivery } from '../delivery/work-delivery.js';

/** `2xx`…`5xx` for a response, else what stopped it: `timeout`, `refused` or `error`. */
function attemptResult(worked: WorkedDelivery): string {
  const http = worked.http;
  if (!http) return 'none';
  if (http.statusCode !== null) return `${Math.floor(http.statusCode / 100)}xx`;
  if (http.error?.startsWith('timeout')) return 'timeout';
  if (http.error?.startsWith('refused')) return 'refused';
  return 'error';
}

/** The worker's Prometheus metrics, on a registry of its own. */
export class WorkerMetrics {
  readonly registry = new Registry();

  readonly deliveries = new Counter({
    name: 'webhook_deliveries_total',
    help: 'Delivery jobs worked (one delivery = one event to one subscription), by outcome (delivered, retrying, failed, gone, cancelled, parked, released, postponed, skipped)',
    labelNames: ['outcome'] as const,
    registers: [this.registry],
  });

  readonly attempts = new Counter({
    name: 'webhook_delivery_attempts_total',
    help: 'HTTP delivery attempts, by result (2xx..5xx, timeout, refused, error)',
    labelNames: ['result'] as const,
    registers: [this.registry],
  });

  readonly attemptDuration = new Histogram({
    name: 'webhook_delivery_duration_seconds',
    help: 'Time from sending a delivery to the receiver answering (or failing), by result',
    labelNames: ['result'] as const,
    buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30],
    registers: [this.registry],
  });

  readonly deliveryLag = new Histogram({
    name: 'webhook_delivery_lag_seconds',
    help: "Time from an event's creation to its successful delivery",
    buckets: [0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 300, 3600],
    registers: [this.registry],
  });

  readonly fannedOut = new Counter({
    name: 'webhook_events_fanned_out_total',
    help: "Events matched against their organization's subscriptions by the fan-out",
    registers: [this.registry],
  });

  readonly deliveriesCreated = new Counter({
    name: 'webhook_deliveries_created_total',
    help: 'Deliveries queued by the fan-out (one per event and matching active subscription)',
    registers: [this.registry],
  });

  readonly inFlight = new Gauge({
    name: 'webhook_deliveries_in_flight',
    help: 'Delivery jobs this worker is working on now',
    registers: [this.registry],
  });

  readonly circuitChanges = new Counter({
    name: 'webhook_circuit_changes_total',
    help: "Changes of subscriptions' circuit breakers seen by this worker, by change (opened, half_opened, reopened, closed)",
    labelNames: ['change'] as const,
    registers: [this.registry],
  });

  constructor(options: { boss?: PgBoss; db?: Db; defaultMetrics?: boolean } = {}) {
    const { boss, db } = options;
    if (db) {
      new Gauge({
        name: 'webhook_subscription_circuits',
        help: "Subscriptions (not disabled) by their circuit breaker's state (closed, open, half_open), read from the database",
        labelNames: ['state'] as const,
        registers: [this.registry],
        async collect() {
          const counts = await countCircuits(db).catch(() => undefined);
          if (!counts) return;
          for (const [state, n] of Object.entries(counts)) this.set({ state }, n);
        },
      });
      new Gauge({
        name: 'database_up',
        help: 'Whether Postgres answered SELECT 1 within 1.5 s when this scrape asked (1) or not (0)',
        registers: [this.registry],
        async collect() {
          this.set((await databaseAnswers(db)) ? 1 : 0);
        },
      });
    }
    if (boss) {
      new Gauge({
        name: 'delivery_queue_oldest_ready_seconds',
        help: 'How long the oldest due job (created or retry, its start time passed) of the queue has waited',
        labelNames: ['queue'] as const,
        registers: [this.registry],
        async collect() {
          const seconds = await oldestReadyJobSeconds(boss, DELIVERY_QUEUE).catch(() => undefined);
          if (seconds !== undefined) this.set({ queue: DELIVERY_QUEUE }, seconds);
        },
      });
      new Gauge({
        name: 'delivery_queue_jobs',
        help: "Jobs in the fan-out, delivery and dead-letter queues by state (pg-boss's counts, refreshed by its monitor)",
        labelNames: ['queue', 'state'] as const,
        registers: [this.registry],
        async collect() {
          const queues = await boss.getQueues([FANOUT_QUEUE, DELIVERY_QUEUE, DEAD_LETTER_QUEUE]).catch(() => []);
          for (const q of queues) {
            this.set({ queue: q.name, state: 'ready' }, q.readyCount);
            this.set({ queue: q.name, state: 'deferred' }, q.deferredCount);
            this.set({ queue: q.name, state: 'queued' }, q.queuedCount);
            this.set({ queue: q.name, state: 'active' }, q.activeCount);
            this.set({ queue: q.name, state: 'failed' }, q.failedCount);
            this.set({ queue: q.name, state: 'total' }, q.totalCount);
          }
        },
      });
    }
    if (options.defaultMetrics ?? true) collectDefaultMetrics({ register: this.registry });
  }

  /** Counts one worked delivery job. */
  observe(worked: WorkedDelivery): void {
    const effect = worked.outcome.effect;
    this.deliveries.inc({ outcome: effect });
    if (!worked.http || effect === 'released') return;
    const label = { result: attemptResult(worked) };
    this.attempts.inc(label);
    this.attemptDuration.observe(label, worked.http.durationMs / 1000);
    if (effect === 'delivered' && worked.eventCreatedAt) {
      this.deliveryLag.observe(Math.max(0, Date.now() - worked.eventCreatedAt.getTime()) / 1000);
    }
  }
}
