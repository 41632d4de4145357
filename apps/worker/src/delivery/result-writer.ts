import { type Database, GroupCommit } from '@triggers/db';
import { type DeliveryOutcome, type OutcomeSettings, type RecordedOutcome, recordOutcomes } from '@triggers/delivery';
import type { PgBoss } from '@triggers/queue';
import type { Kysely } from 'kysely';

export interface ResultWriterOptions {
  db: Kysely<Database>;
  boss: PgBoss;
  settings: OutcomeSettings;
  /** Most outcomes one transaction takes. */
  maxPerCommit?: number;
  /** Transactions in flight at once. */
  maxConcurrentCommits?: number;
}

/**
 * Commits delivery outcomes with group commit (@triggers/db's GroupCommit, as ingest does): each
 * outcome is written as soon as it is known, outcomes that arrive while a transaction is in
 * flight share the next, and a group that fails is split until the outcome at fault fails alone.
 * What a transaction writes is @triggers/delivery's recordOutcomes: attempts, transitions,
 * subscription health, event status and the jobs' settlements, together.
 */
export class ResultWriter {
  private readonly commits: GroupCommit<DeliveryOutcome, RecordedOutcome>;

  constructor(options: ResultWriterOptions) {
    this.commits = new GroupCommit({
      db: options.db,
      write: (trx, outcomes) => recordOutcomes(options.boss, trx, outcomes, options.settings),
      maxWeightPerCommit: options.maxPerCommit ?? 500,
      maxConcurrentCommits: options.maxConcurrentCommits ?? 2,
      spanName: 'record outcomes',
    });
  }

  /** Resolves once the outcome is committed. */
  submit(outcome: DeliveryOutcome): Promise<RecordedOutcome> {
    return this.commits.submit(outcome);
  }

  /** Resolves when everything submitted so far is committed (or has failed). */
  drain(): Promise<void> {
    return this.commits.drain();
  }
}
