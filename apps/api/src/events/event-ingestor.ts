import type { Database } from '@triggers/db';
import { DELIVERY_QUEUE, type DeliveryJob, fromKysely, type PgBoss } from '@triggers/queue';
import type { Kysely } from 'kysely';
import { claimDedupIds, type EventRow, findDedupHolders, insertEvents } from './events.repository.js';

export interface NewEventRequest {
  orgId: string;
  type: string;
  /** JSON-encoded payload. */
  payload: string;
  dedupId: string | null;
}

export type IngestOutcome =
  | { kind: 'created'; id: string; createdAt: Date }
  | { kind: 'duplicate'; dedupId: string; eventId: string };

interface Submission {
  events: (NewEventRequest & { id: string })[];
  resolve: (outcomes: IngestOutcome[]) => void;
  reject: (error: unknown) => void;
}

export interface EventIngestorOptions {
  db: Kysely<Database>;
  boss: PgBoss;
  dedupWindowSeconds: number;
  newId: () => string;
  /** Most events one transaction takes. */
  maxEventsPerCommit?: number;
  /** Transactions in flight at once. */
  maxConcurrentCommits?: number;
  /** Events that must be waiting before a commit starts while another is in flight. */
  concurrentCommitThreshold?: number;
}

/** Postgres errors worth running a whole group again for. */
const RETRYABLE = new Set(['40P01', '40001']);

/**
 * Stores events and enqueues their delivery jobs, durably, with group commit: requests that
 * arrive while a transaction is in flight wait and share the next one. Each submission's
 * promise resolves only after the transaction holding its events (rows, dedup claims and
 * pg-boss jobs alike) has committed, so a 201 still means "survives any crash"; when a group
 * fails, every submission in it is rejected and nothing of it is stored.
 */
export class EventIngestor {
  private readonly queue: Submission[] = [];
  private queuedEvents = 0;
  private inFlight = 0;
  private readonly maxEvents: number;
  private readonly maxConcurrent: number;
  private readonly concurrentCommitThreshold: number;

  constructor(private readonly options: EventIngestorOptions) {
    this.maxEvents = options.maxEventsPerCommit ?? 1000;
    this.maxConcurrent = options.maxConcurrentCommits ?? 4;
    this.concurrentCommitThreshold = options.concurrentCommitThreshold ?? 64;
  }

  /** Resolves, after commit, to one outcome per event, in order. */
  submit(events: NewEventRequest[]): Promise<IngestOutcome[]> {
    return new Promise((resolve, reject) => {
      this.queue.push({ events: events.map((e) => ({ ...e, id: this.options.newId() })), resolve, reject });
      this.queuedEvents += events.length;
      this.pump();
    });
  }

  /**
   * Starts a commit when none is in flight, or when enough events wait to make a second
   * concurrent transaction worth it. Fewer, larger transactions cost fewer round trips (each
   * of which costs a syscall and a wake-up of Postgres) and fewer WAL flushes per event.
   */
  private pump(): void {
    while (this.queue.length > 0 && this.inFlight < this.maxConcurrent) {
      if (this.inFlight > 0 && this.queuedEvents < this.concurrentCommitThreshold) return;
      const group: Submission[] = [];
      let count = 0;
      while (this.queue.length > 0) {
        const next = this.queue[0] as Submission;
        if (group.length > 0 && count + next.events.length > this.maxEvents) break;
        group.push(next);
        count += next.events.length;
        this.queue.shift();
      }
      this.queuedEvents -= count;
      this.inFlight++;
      this.commitGroup(group).finally(() => {
        this.inFlight--;
        this.pump();
      });
    }
  }

  private async commitGroup(group: Submission[]): Promise<void> {
    for (let attempt = 1; ; attempt++) {
      try {
        const outcomes = await this.options.db.transaction().execute((trx) => this.write(trx, group));
        for (const [i, s] of group.entries()) s.resolve(outcomes[i] as IngestOutcome[]);
        return;
      } catch (error) {
        const code = (error as { code?: string }).code;
        if (attempt < 3 && code !== undefined && RETRYABLE.has(code)) continue;
        if (group.length > 1) {
          // One request's events must not fail the others it shared a transaction with:
          // commit each request on its own, so only the one at fault gets the error.
          await Promise.all(group.map((s) => this.commitGroup([s])));
          return;
        }
        for (const s of group) s.reject(error);
        return;
      }
    }
  }

  private async write(trx: Kysely<Database>, group: Submission[]): Promise<IngestOutcome[][]> {
    const all = group.flatMap((s) => s.events);
    // Within the group, the first event with a dedup id claims it; later ones are its duplicates.
    const firstByKey = new Map<string, string>();
    const duplicateOf = new Map<string, string>();
    for (const e of all) {
      if (e.dedupId === null) continue;
      const key = `${e.orgId}:${e.dedupId}`;
      const first = firstByKey.get(key);
      if (first === undefined) firstByKey.set(key, e.id);
      else duplicateOf.set(e.id, key);
    }
    const claimants = all.filter((e) => e.dedupId !== null && !duplicateOf.has(e.id));
    const won =
      claimants.length > 0
        ? await claimDedupIds(
            trx,
            claimants.map((e) => ({ orgId: e.orgId, dedupId: e.dedupId as string, eventId: e.id })),
            this.options.dedupWindowSeconds,
          )
        : new Set<string>();
    const lost = claimants.filter((e) => !won.has(e.id));
    const holders =
      lost.length > 0
        ? await findDedupHolders(
            trx,
            lost.map((e) => ({ orgId: e.orgId, dedupId: e.dedupId as string })),
          )
        : new Map<string, string>();

    const accepted: EventRow[] = all.filter((e) => !duplicateOf.has(e.id) && (e.dedupId === null || won.has(e.id)));
    const createdAt = accepted.length > 0 ? await insertEvents(trx, accepted) : new Map<string, Date>();
    if (accepted.length > 0) {
      const jobs = accepted.map((e) => ({ data: { eventId: e.id, orgId: e.orgId } satisfies DeliveryJob }));
      await this.options.boss.insert(DELIVERY_QUEUE, jobs, { db: fromKysely(trx) });
    }

    return group.map((s) =>
      s.events.map((e): IngestOutcome => {
        const at = createdAt.get(e.id);
        if (at) return { kind: 'created', id: e.id, createdAt: at };
        const key = `${e.orgId}:${e.dedupId}`;
        const first = firstByKey.get(key) as string;
        const holder = won.has(first) ? first : (holders.get(key) as string);
        return { kind: 'duplicate', dedupId: e.dedupId as string, eventId: holder };
      }),
    );
  }
}
