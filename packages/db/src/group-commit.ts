import { ATTR, type Context, context, type Link, trace, tracer } from '@triggers/telemetry';
import type { Kysely, Transaction } from 'kysely';
import type { Database } from './database.js';

export interface GroupCommitOptions<I, O> {
  db: Kysely<Database>;
  /** Writes a group of items in one transaction; resolves to one output per item, in order. */
  write(trx: Transaction<Database>, items: I[]): Promise<O[]>;
  /** What an item costs towards `maxWeightPerCommit` (default 1: an item). */
  weight?: (item: I) => number;
  /** Most weight one transaction takes (an item heavier than this still goes, alone). */
  maxWeightPerCommit: number;
  /** Transactions in flight at once. */
  maxConcurrentCommits: number;
  /**
   * While a transaction is in flight, start another only once this much weight waits (default 1):
   * fewer, larger transactions cost fewer round trips and WAL flushes per item.
   */
  concurrentCommitThreshold?: number;
  /**
   * With tracing on, each transaction is a span of this name, in the trace of its first item's
   * submitter (so its statements and pg-boss's inserts sit there) and linked with the others'.
   */
  spanName?: string;
}

interface Pending<I, O> {
  item: I;
  weight: number;
  resolve: (output: O) => void;
  reject: (error: unknown) => void;
  /** The submitter's trace context. */
  context: Context;
}

/** Postgres errors worth running a whole group again for: deadlock, serialization failure. */
const RETRYABLE = new Set(['40P01', '40001']);
const MAX_TRIES = 3;

/**
 * Group commit: each item is written as soon as it is submitted, and items submitted while a
 * transaction is in flight share the next one. A submission's promise settles only after the
 * transaction holding it has committed (or failed for it). When a group fails for another reason
 * than a deadlock, it is split in two and each half committed on its own, down to single items,
 * so one bad item is rejected alone and never rolls back the others.
 * Used by ingest (events and their jobs) and by the worker's result writer (attempts, delivery
 * transitions and job settlements).
 */
export class GroupCommit<I, O> {
  private readonly queue: Pending<I, O>[] = [];
  private queuedWeight = 0;
  private inFlight = 0;
  private idleWaiters: (() => void)[] = [];

  constructor(private readonly options: GroupCommitOptions<I, O>) {}

  /** Resolves, once committed, to the item's output; rejects with the error that failed it alone. */
  submit(item: I): Promise<O> {
    return new Promise((resolve, reject) => {
      const weight = this.options.weight?.(item) ?? 1;
      this.queue.push({ item, weight, resolve, reject, context: context.active() });
      this.queuedWeight += weight;
      this.pump();
    });
  }

  /** Resolves when everything submitted so far has been committed or rejected. */
  drain(): Promise<void> {
    if (this.queue.length === 0 && this.inFlight === 0) return Promise.resolve();
    return new Promise((resolve) => this.idleWaiters.push(resolve));
  }

  private pump(): void {
    const { maxConcurrentCommits, maxWeightPerCommit } = this.options;
    const threshold = this.options.concurrentCommitThreshold ?? 1;
    while (this.queue.length > 0 && this.inFlight < maxConcurrentCommits) {
      if (this.inFlight > 0 && this.queuedWeight < threshold) return;
      const group: Pending<I, O>[] = [];
      let weight = 0;
      while (this.queue.length > 0) {
        const next = this.queue[0] as Pending<I, O>;
        if (group.length > 0 && weight + next.weight > maxWeightPerCommit) break;
        group.push(next);
        weight += next.weight;
        this.queue.shift();
      }
      this.queuedWeight -= weight;
      this.inFlight++;
      this.traced(group).finally(() => {
        this.inFlight--;
        this.pump();
        if (this.queue.length === 0 && this.inFlight === 0) {
          for (const waiter of this.idleWaiters.splice(0)) waiter();
        }
      });
    }
  }

  /** commit(), as a span in the first submitter's trace, linked with the other submitters' spans. */
  private traced(group: Pending<I, O>[]): Promise<void> {
    const name = this.options.spanName;
    const first = group[0] as Pending<I, O>;
    if (name === undefined || !trace.getSpanContext(first.context)) return context.with(first.context, () => this.commit(group));
    const links: Link[] = [];
    for (const p of group.slice(1)) {
      const span = trace.getSpanContext(p.context);
      if (span && trace.isSpanContextValid(span)) links.push({ context: span });
    }
    return tracer.startActiveSpan(name, { links, attributes: { [ATTR.commitItems]: group.length } }, first.context, (span) =>
      this.commit(group).finally(() => span.end()),
    );
  }

  private async commit(group: Pending<I, O>[]): Promise<void> {
    for (let attempt = 1; ; attempt++) {
      try {
        const outputs = await this.options.db.transaction().execute((trx) =>
          this.options.write(
            trx,
            group.map((p) => p.item),
          ),
        );
        for (const [i, p] of group.entries()) p.resolve(outputs[i] as O);
        return;
      } catch (error) {
        const code = (error as { code?: string }).code;
        if (attempt < MAX_TRIES && code !== undefined && RETRYABLE.has(code)) continue;
        if (group.length > 1) {
          const half = Math.ceil(group.length / 2);
          await this.commit(group.slice(0, half));
          await this.commit(group.slice(half));
          return;
        }
        for (const p of group) p.reject(error);
        return;
      }
    }
  }
}
