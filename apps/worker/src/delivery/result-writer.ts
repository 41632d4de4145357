import type { Database } from '@triggers/db';
import { DELIVERY_QUEUE, fromKysely, type PgBoss } from '@triggers/queue';
import type { Kysely, Transaction } from 'kysely';
import type { DeliveryResult } from './deliver-event.js';
import { type AttemptRecord, disableWebhook, recordAttempts } from './deliveries.repository.js';

interface Pending {
  result: DeliveryResult;
  resolve: () => void;
  reject: (error: unknown) => void;
}

export interface ResultWriterOptions {
  db: Kysely<Database>;
  boss: PgBoss;
  /** Most results one transaction takes. */
  maxPerCommit?: number;
  /** Transactions in flight at once. */
  maxConcurrentCommits?: number;
}

/** Postgres errors worth running a whole group again for. */
const RETRYABLE = new Set(['40P01', '40001']);

/**
 * Commits delivery results with group commit: each result is written as soon as it is known, and
 * results that arrive while a transaction is in flight share the next one. One transaction records
 * the attempts, updates the events, switches off webhooks that answered 410 and settles the jobs
 * with pg-boss (complete, or fail so pg-boss retries or dead-letters), so an event's row and its
 * job never disagree. Settles are fenced to the attempt this worker fetched: a job that expired
 * and was taken by another worker meanwhile is left alone.
 */
export class ResultWriter {
  private readonly queue: Pending[] = [];
  private inFlight = 0;
  private readonly maxPerCommit: number;
  private readonly maxConcurrent: number;
  private idleWaiters: (() => void)[] = [];

  constructor(private readonly options: ResultWriterOptions) {
    this.maxPerCommit = options.maxPerCommit ?? 500;
    this.maxConcurrent = options.maxConcurrentCommits ?? 2;
  }

  /** Resolves once the result is committed. */
  submit(result: DeliveryResult): Promise<void> {
    return new Promise((resolve, reject) => {
      this.queue.push({ result, resolve, reject });
      this.pump();
    });
  }

  /** Resolves when everything submitted so far is committed (or has failed). */
  drain(): Promise<void> {
    if (this.queue.length === 0 && this.inFlight === 0) return Promise.resolve();
    return new Promise((resolve) => this.idleWaiters.push(resolve));
  }

  private pump(): void {
    while (this.inFlight < this.maxConcurrent && this.queue.length > 0) {
      const group = this.queue.splice(0, this.maxPerCommit);
      this.inFlight++;
      this.commit(group).finally(() => {
        this.inFlight--;
        this.pump();
        if (this.queue.length === 0 && this.inFlight === 0) {
          for (const waiter of this.idleWaiters.splice(0)) waiter();
        }
      });
    }
  }

  private async commit(group: Pending[]): Promise<void> {
    for (let attempt = 1; ; attempt++) {
      try {
        await this.options.db.transaction().execute((trx) =>
          this.write(
            trx,
            group.map((p) => p.result),
          ),
        );
        for (const p of group) p.resolve();
        return;
      } catch (error) {
        const code = (error as { code?: string }).code;
        if (attempt < 3 && code !== undefined && RETRYABLE.has(code)) continue;
        for (const p of group) p.reject(error);
        return;
      }
    }
  }

  private async write(trx: Transaction<Database>, results: DeliveryResult[]): Promise<void> {
    const { boss } = this.options;
    const db = fromKysely(trx);
    await recordAttempts(
      trx,
      results.flatMap((r): AttemptRecord[] => (r.attempt ? [r.attempt] : [])),
    );
    for (const r of results) {
      if (r.disableWebhook) await disableWebhook(trx, r.disableWebhook.orgId, r.disableWebhook.url);
    }

    const completed = results.filter((r) => r.settlement.kind === 'complete').map((r) => r.job);
    if (completed.length > 0) await boss.complete(DELIVERY_QUEUE, completed, null, { db });

    // One fail per distinct reason, so the reason stays on each job (and its dead-letter copy).
    const failures = new Map<string, DeliveryResult['job'][]>();
    for (const r of results) {
      if (r.settlement.kind !== 'fail' && r.settlement.kind !== 'fail-after') continue;
      const jobs = failures.get(r.settlement.reason) ?? [];
      jobs.push(r.job);
      failures.set(r.settlement.reason, jobs);
    }
    const failed = new Set<string>();
    for (const [reason, jobs] of failures) {
      const response = await boss.fail(DELIVERY_QUEUE, jobs, { error: reason }, { db });
      for (const id of settledIds(response, jobs)) failed.add(id);
    }
    // A failed job with retries left is now waiting in `retry`; move its start to the Retry-After.
    for (const r of results) {
      if (r.settlement.kind !== 'fail-after' || !failed.has(r.job.id)) continue;
      await boss.update(DELIVERY_QUEUE, undefined, { id: r.job.id, startAfter: r.settlement.delaySeconds, db });
    }
  }
}

/** The ids a fenced settle actually moved (pg-boss returns them beside the count). */
function settledIds(response: object, jobs: DeliveryResult['job'][]): string[] {
  const settled = (response as { settled?: string[] }).settled;
  return settled ?? jobs.map((j) => j.id);
}
