import { setMaxListeners } from 'node:events';
import type { Config } from '@triggers/config';
import type { Database } from '@triggers/db';
import type { Logger } from '@triggers/logger';
import { DELIVERY_QUEUE, type DeliveryJob, type JobWithMetadata, type PgBoss } from '@triggers/queue';
import type { Kysely } from 'kysely';
import { type DeliveryResult, deliverEvent } from './delivery/deliver-event.js';
import { type DeliveryTarget, findDeliveryTargets } from './delivery/deliveries.repository.js';
import { HttpDelivery } from './delivery/http-delivery.js';
import { ResultWriter } from './delivery/result-writer.js';
import { createDeliveryAgents } from './delivery/ssrf-agent.js';
import { Janitor } from './janitor/janitor.js';
import { WorkerMetrics } from './metrics/worker-metrics.js';

/** Most jobs one fetch takes. Concurrency beyond it is spread over several fetch loops. */
export const MAX_BATCH_SIZE = 10;
/** Time a stopping worker gives its deliveries before it abandons them and gives their jobs back. */
export const STOP_GRACE_MS = 25_000;

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

export interface WorkerOptions {
  db: Kysely<Database>;
  boss: PgBoss;
  config: Config;
  logger: Logger;
  metrics?: WorkerMetrics;
  /** Jobs per fetch; default min(WORKER_CONCURRENCY, 10). */
  batchSize?: number;
  /** How often an idle fetch loop looks for due retries (new jobs wake it at once by NOTIFY). */
  pollingIntervalSeconds?: number;
  /** Run the janitor (on in deployed workers). */
  janitor?: boolean;
}

/** WORKER_CONCURRENCY split into fetch loops of at most MAX_BATCH_SIZE jobs each. */
export function concurrencyPlan(concurrency: number, maxBatch = MAX_BATCH_SIZE): { loops: number; batchSize: number } {
  const loops = Math.ceil(concurrency / Math.max(1, maxBatch));
  return { loops, batchSize: Math.max(1, Math.floor(concurrency / loops)) };
}

/**
 * Works the delivery queue: several pg-boss fetch loops, each taking a batch of jobs, loading their
 * events and organizations in one query, delivering them concurrently and committing each result
 * (attempt, event status, job settlement) as soon as it is known through a shared group-commit
 * writer. pg-boss's SKIP LOCKED fetch gives each job to one worker at a time, across processes.
 */
export class DeliveryWorker {
  readonly metrics: WorkerMetrics;
  private readonly http: HttpDelivery;
  private readonly writer: ResultWriter;
  private readonly janitor: Janitor | undefined;
  private readonly stopController = new AbortController();
  private state: 'created' | 'running' | 'stopping' | 'stopped' = 'created';
  private inFlight = 0;

  constructor(private readonly options: WorkerOptions) {
    const { db, boss, config, logger } = options;
    this.metrics = options.metrics ?? new WorkerMetrics({ boss, defaultMetrics: false });
    this.http = new HttpDelivery({
      agents: createDeliveryAgents({ allowPrivate: config.webhookAllowPrivate }),
      timeoutMs: config.webhookTimeoutMs,
    });
    this.writer = new ResultWriter({ db, boss });
    this.janitor = options.janitor ? new Janitor({ db, logger }) : undefined;
    // Every request in flight listens to this one signal.
    setMaxListeners(0, this.stopController.signal);
  }

  get running(): boolean {
    return this.state === 'running';
  }

  async start(): Promise<void> {
    if (this.state !== 'created') throw new Error(`worker cannot start: it is ${this.state}`);
    const plan = this.options.batchSize
      ? { loops: Math.ceil(this.options.config.workerConcurrency / this.options.batchSize), batchSize: this.options.batchSize }
      : concurrencyPlan(this.options.config.workerConcurrency);
    const polling = this.options.pollingIntervalSeconds ?? 1;
    await this.options.boss.work(
      DELIVERY_QUEUE,
      {
        batchSize: plan.batchSize,
        localConcurrency: plan.loops,
        includeMetadata: true,
        burstWhenBatchFull: true,
        pollingIntervalSeconds: polling,
        notifyPollingIntervalSeconds: polling,
      },
      (jobs: JobWithMetadata<DeliveryJob>[]) => this.handleBatch(jobs),
    );
    this.janitor?.start();
    this.state = 'running';
    this.options.logger.info('worker started', {
      queue: DELIVERY_QUEUE,
      fetch_loops: plan.loops,
      batch_size: plan.batchSize,
      allow_private: this.options.config.webhookAllowPrivate,
    });
  }

  /**
   * Stops fetching, lets the deliveries in flight finish for up to `graceMs`, then aborts the rest
   * and gives their jobs back to the queue (pg-boss fails them, so another worker retries them),
   * and waits for every result to be committed.
   */
  async stop(graceMs = STOP_GRACE_MS): Promise<void> {
    if (this.state !== 'running') {
      this.state = 'stopped';
      return;
    }
    this.state = 'stopping';
    const off = this.options.boss.offWork(DELIVERY_QUEUE, { wait: true });
    let timer: NodeJS.Timeout | undefined;
    const expired = await Promise.race([
      off.then(() => false),
      new Promise<boolean>((resolve) => {
        timer = setTimeout(() => resolve(true), graceMs);
      }),
    ]);
    clearTimeout(timer);
    if (expired) {
      this.options.logger.warn('deliveries still in flight at the stop deadline: releasing them', { in_flight: this.inFlight });
      this.stopController.abort();
      await off;
    }
    await this.writer.drain();
    await this.janitor?.stop();
    this.state = 'stopped';
    this.options.logger.info('worker stopped');
  }

  /** One fetched batch. Throwing makes pg-boss fail (and so retry) the batch's unsettled jobs. */
  private async handleBatch(jobs: JobWithMetadata<DeliveryJob>[]): Promise<void> {
    const valid = jobs.filter((job) => UUID.test(String(job.data?.eventId)) && UUID.test(String(job.data?.orgId)));
    const invalid = jobs.filter((job) => !valid.includes(job));
    const targets =
      valid.length > 0
        ? await findDeliveryTargets(
            this.options.db,
            valid.map((j) => j.data.eventId),
          )
        : new Map();
    const settled = await Promise.allSettled([
      ...valid.map((job) => this.work(job, targets.get(job.data.eventId))),
      ...invalid.map((job) => this.discard(job)),
    ]);
    const failed = settled.find((s): s is PromiseRejectedResult => s.status === 'rejected');
    if (failed) throw failed.reason;
    const released = settled.filter((s) => s.status === 'fulfilled' && s.value.outcome === 'released').length;
    if (released > 0) throw new Error(`worker stopped with ${released} deliveries in flight; their jobs go back to the queue`);
  }

  private async work(job: JobWithMetadata<DeliveryJob>, target: DeliveryTarget | undefined): Promise<DeliveryResult> {
    this.inFlight++;
    this.metrics.inFlight.inc();
    try {
      // Only the worker's own stop aborts a request. pg-boss's per-job signal fires when a handler
      // outlives expireInSeconds, which a request bounded by WEBHOOK_TIMEOUT_MS (20 s less) cannot.
      const result = await deliverEvent({ job, target, http: this.http, signal: this.stopController.signal });
      if (result.outcome !== 'released') {
        await this.writer.submit(result).catch((err: unknown) => {
          // The batch's handler rethrows, so pg-boss fails the job and it is delivered again.
          this.options.logger.error('delivery result could not be committed; the job will be retried', {
            event_id: result.eventId,
            job_id: job.id,
            attempt: result.attempt?.attempt,
            err,
          });
          throw err;
        });
      }
      this.metrics.observe(result, target?.createdAt);
      this.log(job, result);
      return result;
    } finally {
      this.inFlight--;
      this.metrics.inFlight.dec();
    }
  }

  /** A job whose data is not a delivery job: completed, so it cannot poison every batch it lands in. */
  private async discard(job: JobWithMetadata<DeliveryJob>): Promise<DeliveryResult> {
    const result: DeliveryResult = {
      job: { id: job.id, retryCount: job.retryCount },
      eventId: String(job.data?.eventId),
      outcome: 'skipped',
      skipReason: 'malformed job data',
      settlement: { kind: 'complete' },
    };
    await this.writer.submit(result);
    this.options.logger.error('malformed delivery job discarded', { job_id: job.id });
    this.metrics.observe(result);
    return result;
  }

  private log(job: JobWithMetadata<DeliveryJob>, result: DeliveryResult): void {
    const logger = this.options.logger;
    const context = {
      event_id: result.eventId,
      job_id: job.id,
      attempt: result.attempt?.attempt,
      outcome: result.outcome,
      status_code: result.http?.statusCode ?? undefined,
      duration_ms: result.http?.durationMs,
    };
    switch (result.outcome) {
      case 'delivered':
        logger.info('webhook delivered', context);
        return;
      case 'skipped':
        logger.debug('delivery skipped', { ...context, reason: result.skipReason });
        return;
      case 'released':
        logger.warn('delivery abandoned by a stopping worker; job released', context);
        return;
      case 'retrying': {
        const retryAfter = result.settlement.kind === 'fail-after' ? result.settlement.delaySeconds : undefined;
        logger.warn('webhook attempt failed; will retry', { ...context, error: result.http?.error, retry_after_s: retryAfter });
        return;
      }
      case 'gone':
        logger.warn('webhook answered 410 Gone; webhook switched off', { ...context, org_id: job.data.orgId });
        return;
      case 'failed':
        logger.error('webhook delivery failed for good; job dead-lettered', { ...context, error: result.http?.error });
        return;
    }
  }
}

export function createWorker(options: WorkerOptions): DeliveryWorker {
  return new DeliveryWorker(options);
}
