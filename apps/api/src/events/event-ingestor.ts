import { type Database, GroupCommit } from '@triggers/db';
import { insertFanOutJobs } from '@triggers/delivery';
import type { PgBoss } from '@triggers/queue';
import type { TraceCarrier } from '@triggers/telemetry';
import type { Kysely, Transaction } from 'kysely';
import { claimDedupIds, type EventRow, findDedupHolders, insertEvents } from './events.repository.js';

export interface NewEventRequest {
  orgId: string;
  type: string;
  /** JSON-encoded payload. */
  payload: string;
  dedupId: string | null;
  /** The trace context its jobs carry (ingest-tracing.ts); none when tracing is off. */
  trace?: TraceCarrier;
}

export type IngestOutcome =
  | { kind: 'created'; id: string; createdAt: Date }
  | { kind: 'duplicate'; dedupId: string; eventId: string };

interface Submission {
  events: (NewEventRequest & { id: string })[];
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

/**
 * Stores events and enqueues one fan-out job per event, durably, with group commit (@triggers/db's
 * GroupCommit): requests that arrive while a transaction is in flight share the next one. Each
 * submission's promise resolves only after the transaction holding its events (rows, dedup claims
 * and pg-boss jobs alike) has committed, so a 201 still means "survives any crash"; a group that
 * fails is split until the request at fault fails alone. The cost does not depend on how many
 * subscriptions match: the worker's fan-out turns each job into deliveries.
 */
export class EventIngestor {
  private readonly commits: GroupCommit<Submission, IngestOutcome[]>;

  constructor(private readonly options: EventIngestorOptions) {
    this.commits = new GroupCommit({
      db: options.db,
      write: (trx, group) => this.write(trx, group),
      weight: (s) => s.events.length,
      maxWeightPerCommit: options.maxEventsPerCommit ?? 1000,
      maxConcurrentCommits: options.maxConcurrentCommits ?? 4,
      concurrentCommitThreshold: options.concurrentCommitThreshold ?? 64,
      spanName: 'ingest commit',
    });
  }

  /** Resolves, after commit, to one outcome per event, in order. */
  submit(events: NewEventRequest[]): Promise<IngestOutcome[]> {
    return this.commits.submit({ events: events.map((e) => ({ ...e, id: this.options.newId() })) });
  }

  private async write(trx: Transaction<Database>, group: Submission[]): Promise<IngestOutcome[][]> {
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

    const accepted: (EventRow & { trace?: TraceCarrier })[] = all.filter(
      (e) => !duplicateOf.has(e.id) && (e.dedupId === null || won.has(e.id)),
    );
    const createdAt = accepted.length > 0 ? await insertEvents(trx, accepted) : new Map<string, Date>();
    await insertFanOutJobs(
      this.options.boss,
      trx,
      accepted.map((e) => ({ eventId: e.id, orgId: e.orgId, ...(e.trace && { trace: e.trace }) })),
    );

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
