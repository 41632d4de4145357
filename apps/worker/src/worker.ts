import { setMaxListeners } from 'node:events';
import type { Config } from '@triggers/config';
import { type Database, isUuid } from '@triggers/db';
import {
  type DeliveryContext,
  type DeliveryOutcome,
  failDeadLetteredDeliveries,
  fanOut,
  loadDeliveryContexts,
  type RecordedOutcome,
  type RetrySchedule,
  retrySchedule,
} from '@triggers/delivery';
import type { Logger } from '@triggers/logger';
import {
  DEAD_LETTER_QUEUE,
  DELIVERY_QUEUE,
  type DeliveryJob,
  deliveryQueuePolicy,
  FANOUT_QUEUE,
  type FanOutJob,
  fromKysely,
  HEARTBEAT_SECONDS,
  type JobWithMetadata,
  type PgBoss,
} from '@triggers/queue';
import type { Kysely } from 'kysely';
import { CircuitGate } from './delivery/circuit-gate.js';
import { DeliveryDispatcher } from './delivery/dispatcher.js';
import { HttpDelivery } from './delivery/http-delivery.js';
import { ResultWriter } from './delivery/result-writer.js';
import { createDeliveryAgents } from './delivery/ssrf-agent.js';
import { type WorkedDelivery, workDelivery } from './delivery/work-delivery.js';
import { PeriodicTasks } from './maintenance/periodic-tasks.js';
import { maintenanceTasks } from './maintenance/tasks.js';
import { WorkerMetrics } from './metrics/worker-metrics.js';
import { recordWorked, traceDelivery, traceFanOut } from './tracing/job-tracing.js';

/** Time a stopping worker gives its deliveries before it abandons them and gives their jobs back. */
export const STOP_GRACE_MS = 25_000;
/** Fan-out jobs one transaction takes. */
export const FANOUT_BATCH_SIZE = 100;
/** How long a read of the circuits' holds serves the dispatcher (a circuit also gates each job as it is worked). */
export const CIRCUIT_HOLDS_REFRESH_MS = 1000;

export interface WorkerOptions {
  db: Kysely<Database>;
  boss: PgBoss;
  config: Config;
  logger: Logger;
  metrics?: WorkerMetrics;
  /** How often an idle loop looks for due retries and jobs queued elsewhere. */
  pollingIntervalSeconds?: number;
  /** Run the periodic maintenance (on in deployed workers). */
  maintenance?: boolean;
}

/**
 * The worker: fans each ingested event out into deliveries (one per matching subscription),
 * works delivery jobs with a slot per job and fair shares (DeliveryDispatcher), commits each
 * outcome through @triggers/delivery with group commit, marks deliveries whose job pg-boss
 * dead-lettered on its own as failed, and runs the periodic maintenance.
 */
export class DeliveryWorker {
  readonly metrics: WorkerMetrics;
  readonly maintenance: PeriodicTasks;
  private readonly http: HttpDelivery;
  private readonly writer: ResultWriter;
  private readonly dispatcher: DeliveryDispatcher;
  private readonly circuits: CircuitGate;
  private readonly schedule: RetrySchedule;
  private readonly stopController = new AbortController();
  private state: 'created' | 'running' | 'stopping' | 'stopped' = 'created';

  constructor(private readonly options: WorkerOptions) {
    const { db, boss, config, logger } = options;
    this.metrics = options.metrics ?? new WorkerMetrics({ boss, db, defaultMetrics: false });
    this.schedule = retrySchedule(config);
    this.http = new HttpDelivery({
      agents: createDeliveryAgents({ allowPrivate: config.webhookAllowPrivate }),
      timeoutMs: config.webhookTimeoutMs,
    });
    this.writer = new ResultWriter({
      db,
      boss,
      settings: {
        disableAfterHours: config.subscriptionDisableAfterHours,
        breaker: { failureThreshold: config.breakerFailureThreshold, cooloffSeconds: config.breakerCooloffSeconds },
      },
    });
    this.circuits = new CircuitGate({
      db,
      logger,
      metrics: this.metrics,
      probeTimeoutSeconds: deliveryQueuePolicy(config).expireInSeconds ?? 60,
    });
    this.dispatcher = new DeliveryDispatcher({
      boss,
      queue: DELIVERY_QUEUE,
      concurrency: config.workerConcurrency,
      perSubscription: config.subscriptionMaxInFlight,
      perOrganization: config.workerOrgMaxInFlight,
      pollingIntervalMs: (options.pollingIntervalSeconds ?? 1) * 1000,
      heartbeatIntervalMs: (HEARTBEAT_SECONDS * 1000) / 2,
      handle: (jobs) => this.handleDeliveries(jobs),
      onError: (err) => logger.error('delivery fetch failed', { err }),
      circuits: {
        holds: () => this.circuits.holds(config.subscriptionMaxInFlight),
        refreshMs: CIRCUIT_HOLDS_REFRESH_MS,
        rampMax: config.subscriptionMaxInFlight,
        postpone: (job, until) => this.postpone(job, until),
      },
    });
    this.maintenance = new PeriodicTasks({ db, logger, tasks: maintenanceTasks({ boss, config }) });
    // Every request in flight listens to this one signal.
    setMaxListeners(0, this.stopController.signal);
  }

  get running(): boolean {
    return this.state === 'running';
  }

  async start(): Promise<void> {
    if (this.state !== 'created') throw new Error(`worker cannot start: it is ${this.state}`);
    const { boss, config, logger } = this.options;
    const polling = this.options.pollingIntervalSeconds ?? 1;
    await boss.work<FanOutJob>(
      FANOUT_QUEUE,
      {
        batchSize: FANOUT_BATCH_SIZE,
        localConcurrency: 2,
        includeMetadata: true,
        // A full batch means more are waiting: fetch again at once rather than after the poll.
        burstWhenBatchFull: true,
        pollingIntervalSeconds: polling,
        notifyPollingIntervalSeconds: polling,
      },
      (jobs) => this.fanOutBatch(jobs as JobWithMetadata<FanOutJob>[]),
    );
    await boss.work<DeliveryJob>(
      DEAD_LETTER_QUEUE,
      { batchSize: 50, includeMetadata: true, pollingIntervalSeconds: Math.max(polling, 2) },
      (jobs) => this.deadLettered(jobs as JobWithMetadata<DeliveryJob>[]),
    );
    this.dispatcher.start();
    if (this.options.maintenance) this.maintenance.start();
    this.state = 'running';
    logger.info('worker started', {
      queue: DELIVERY_QUEUE,
      concurrency: config.workerConcurrency,
      per_subscription: config.subscriptionMaxInFlight,
      per_organization: config.workerOrgMaxInFlight,
      allow_private: config.webhookAllowPrivate,
      maintenance: this.options.maintenance ? this.maintenance.names : [],
    });
  }

  /**
   * Stops fetching, lets the deliveries in flight finish for up to `graceMs`, then aborts the rest:
   * their deliveries go back to the queue on fresh jobs without using up an attempt. Waits for
   * every outcome to be committed.
   */
  async stop(graceMs = STOP_GRACE_MS): Promise<void> {
    if (this.state !== 'running') {
      this.state = 'stopped';
      return;
    }
    this.state = 'stopping';
    const { boss, logger } = this.options;
    const stopped = Promise.all([
      this.dispatcher.stop(),
      boss.offWork(FANOUT_QUEUE, { wait: true }),
      boss.offWork(DEAD_LETTER_QUEUE, { wait: true }),
    ]);
    let timer: NodeJS.Timeout | undefined;
    const expired = await Promise.race([
      stopped.then(() => false),
      new Promise<boolean>((resolve) => {
        timer = setTimeout(() => resolve(true), graceMs);
      }),
    ]);
    clearTimeout(timer);
    if (expired) {
      logger.warn('deliveries still in flight at the stop deadline: releasing them', { in_flight: this.dispatcher.inFlight });
      this.stopController.abort();
      await stopped;
    }
    await this.writer.drain();
    await this.maintenance.stop();
    this.state = 'stopped';
    logger.info('worker stopped');
  }

  /** Fan-out: in one transaction, the deliveries of up to 100 events, their jobs, and the fan-out jobs settled. */
  private async fanOutBatch(jobs: JobWithMetadata<FanOutJob>[]): Promise<void> {
    const { db, boss, logger } = this.options;
    const valid = jobs.filter((j) => isUuid(j.data?.eventId) && isUuid(j.data?.orgId));
    if (valid.length < jobs.length) logger.error('malformed fan-out jobs discarded', { count: jobs.length - valid.length });
    // Each event's fan-out is a span of its own trace; its delivery jobs carry that span's context.
    const queued = await traceFanOut(valid, (traced) =>
      db.transaction().execute(async (trx) => {
        const deliveries = await fanOut(boss, trx, traced);
        await boss.complete(
          FANOUT_QUEUE,
          jobs.map((j) => ({ id: j.id, retryCount: j.retryCount })),
          null,
          { db: fromKysely(trx) },
        );
        return deliveries;
      }),
    );
    this.metrics.fannedOut.inc(valid.length);
    this.metrics.deliveriesCreated.inc(queued.length);
    if (queued.length > 0) this.dispatcher.wake();
  }

  /** Jobs pg-boss dead-lettered: a delivery still pending on one failed in a worker that died on its last attempt. */
  private async deadLettered(jobs: JobWithMetadata<DeliveryJob>[]): Promise<void> {
    const { db, logger } = this.options;
    const lost = jobs
      .filter((j) => isUuid(j.data?.deliveryId) && isUuid(j.data?.eventId) && isUuid(j.sourceId))
      .map((j) => ({ deliveryId: j.data.deliveryId, eventId: j.data.eventId, sourceJobId: j.sourceId as string }));
    const failed = await db.transaction().execute((trx) => failDeadLetteredDeliveries(trx, lost));
    if (failed > 0) logger.error('deliveries failed: their worker stopped during the last attempt', { count: failed });
  }

  /** A fetched batch: its deliveries read in one query, then each job worked and settled on its own. */
  private handleDeliveries(jobs: JobWithMetadata<DeliveryJob>[]): Promise<void>[] {
    const ids = jobs.map((j) => j.data?.deliveryId).filter(isUuid);
    const contexts = loadDeliveryContexts(this.options.db, ids);
    return jobs.map((job) => contexts.then((map) => this.work(job, map.get(job.data?.deliveryId))));
  }

  private async work(job: JobWithMetadata<DeliveryJob>, context: DeliveryContext | undefined): Promise<void> {
    const data = job.data;
    if (!isUuid(data?.deliveryId) || !isUuid(data?.eventId) || !isUuid(data?.subscriptionId) || !isUuid(data?.orgId)) {
      await this.options.boss.complete(DELIVERY_QUEUE, { id: job.id, retryCount: job.retryCount });
      this.options.logger.error('malformed delivery job discarded', { job_id: job.id });
      return;
    }
    // The attempt, its recording and its log line, as one span of the event's trace.
    await traceDelivery(job, async (span) => {
      this.metrics.inFlight.inc();
      try {
        // An open circuit holds the delivery back (not attempted, not counted); once its cool-off is
        // over, the first delivery to come is its probe.
        const admission = await this.circuits.admit(job, context);
        // Only the worker's own stop aborts a request. pg-boss's expiry (timeout + 20 s) cannot fire first.
        const worked =
          admission.kind === 'hold'
            ? postponed(job, admission.until)
            : await workDelivery({
                job,
                context,
                http: this.http,
                schedule: this.schedule,
                signal: this.stopController.signal,
              });
        recordWorked(span, worked);
        let recorded: RecordedOutcome;
        try {
          recorded = await this.writer.submit(worked.outcome);
        } catch (err) {
          // The job stays claimed; pg-boss expires it and it is delivered again.
          this.options.logger.error('delivery outcome could not be committed; the job will be retried', {
            ...this.context(worked),
            err,
          });
          return;
        }
        this.metrics.observe(worked);
        if (recorded.circuit) this.circuits.changed(recorded.circuit);
        this.log(worked, recorded);
      } finally {
        this.metrics.inFlight.dec();
      }
    });
  }

  /** A job fetched past its subscription's ramp: back on a fresh job due at `until`, not attempted. */
  private async postpone(job: JobWithMetadata<DeliveryJob>, until: Date): Promise<void> {
    if (!isUuid(job.data?.deliveryId) || !isUuid(job.data?.subscriptionId)) return this.handleDeliveries([job])[0];
    const worked = postponed(job, until);
    await this.writer.submit(worked.outcome);
    this.metrics.observe(worked);
  }

  private context(worked: WorkedDelivery) {
    const o: DeliveryOutcome = worked.outcome;
    return {
      event_id: o.eventId,
      org_id: o.orgId,
      subscription_id: o.subscriptionId,
      target_host: worked.targetHost,
      job_id: o.job.id,
      attempt: o.attempt?.attempt,
      outcome: o.effect,
      status_code: worked.http?.statusCode ?? undefined,
      duration_ms: worked.http?.durationMs,
    };
  }

  private log(worked: WorkedDelivery, recorded: RecordedOutcome): void {
    const logger = this.options.logger;
    const o = worked.outcome;
    const context = this.context(worked);
    if (recorded.disabled) {
      logger.warn(
        recorded.disabled === 'gone'
          ? 'subscription disabled: its target answered 410 Gone'
          : 'subscription disabled: failing with no success for SUBSCRIPTION_DISABLE_AFTER_HOURS',
        { org_id: o.orgId, subscription_id: o.subscriptionId, target_host: worked.targetHost, reason: recorded.disabled },
      );
    }
    switch (o.effect) {
      case 'delivered':
        logger.info('webhook delivered', context);
        return;
      case 'skipped':
      case 'parked':
        logger.debug(o.effect === 'parked' ? 'delivery held: subscription paused' : 'delivery skipped', {
          ...context,
          reason: o.reason,
        });
        return;
      case 'cancelled':
        logger.info('delivery cancelled', { ...context, reason: o.reason });
        return;
      case 'postponed':
        logger.debug('delivery postponed: its circuit is open', { ...context, retry_at: o.retryAt?.toISOString() });
        return;
      case 'released':
        logger.warn('delivery abandoned by a stopping worker; it goes back to the queue', context);
        return;
      case 'retrying':
        logger.warn('webhook attempt failed; will retry', {
          ...context,
          error: worked.http?.error,
          retry_at: o.retryAt?.toISOString(),
        });
        return;
      case 'gone':
        logger.warn('webhook answered 410 Gone', context);
        return;
      case 'failed':
        logger.error('webhook delivery failed for good', { ...context, error: worked.http?.error ?? o.reason });
        return;
    }
  }
}

/** A delivery held back by its subscription's circuit: the outcome that puts it on a fresh job due at `until`. */
function postponed(job: JobWithMetadata<DeliveryJob>, until: Date): WorkedDelivery {
  const { deliveryId, eventId, subscriptionId, orgId, trace } = job.data;
  return {
    outcome: {
      job: { id: job.id, retryCount: job.retryCount, retryLimit: job.retryLimit },
      deliveryId,
      eventId,
      subscriptionId,
      orgId,
      effect: 'postponed',
      retryAt: until,
      ...(trace && { trace }),
    },
  };
}

export function createWorker(options: WorkerOptions): DeliveryWorker {
  return new DeliveryWorker(options);
}
