import type { Db } from '@triggers/db';
import type { Logger } from '@triggers/logger';
import { deleteExpiredDedupRecords } from './dedup.repository.js';
import { deleteExpiredLeases } from './leases.repository.js';

/** One kind of expired row the janitor deletes. */
export interface Sweep {
  /** What it deletes, for the log line ("expired dedup records deleted"). */
  name: string;
  /** Deletes up to `limit` expired rows; resolves to how many. */
  deleteChunk(db: Db, limit: number): Promise<number>;
}

export const SWEEPS: readonly Sweep[] = [
  // Ingest already takes over an expired dedup record in place: this keeps the table (and its
  // index) from growing forever.
  { name: 'expired dedup records', deleteChunk: deleteExpiredDedupRecords },
  // A lease that has expired holds nothing and cannot be extended: only its rows are left.
  { name: 'expired inbox leases', deleteChunk: deleteExpiredLeases },
];

export interface JanitorOptions {
  db: Db;
  logger: Logger;
  intervalMs?: number;
  /** Rows per DELETE, so one pass never holds many locks for long. */
  chunk?: number;
  sweeps?: readonly Sweep[];
}

/**
 * Deletes expired rows (SWEEPS) every few minutes. Several workers may run it at once: each row
 * is deleted by one of them.
 */
export class Janitor {
  private timer: NodeJS.Timeout | undefined;
  private running: Promise<void> | undefined;
  private stopped = false;

  constructor(private readonly options: JanitorOptions) {}

  start(): void {
    const interval = this.options.intervalMs ?? 5 * 60_000;
    this.timer = setInterval(() => void this.runOnce(), interval);
    this.timer.unref();
  }

  /** One pass over every sweep, each in chunks until nothing expired is left. Never rejects. */
  runOnce(): Promise<void> {
    this.running ??= this.sweepAll().finally(() => {
      this.running = undefined;
    });
    return this.running;
  }

  async stop(): Promise<void> {
    this.stopped = true;
    clearInterval(this.timer);
    this.timer = undefined;
    await this.running;
  }

  private async sweepAll(): Promise<void> {
    for (const sweep of this.options.sweeps ?? SWEEPS) {
      if (this.stopped) return;
      await this.sweep(sweep);
    }
  }

  private async sweep(sweep: Sweep): Promise<void> {
    const chunk = this.options.chunk ?? 5_000;
    let total = 0;
    try {
      for (;;) {
        const deleted = await sweep.deleteChunk(this.options.db, chunk);
        total += deleted;
        if (deleted < chunk || this.stopped) break;
      }
      if (total > 0) this.options.logger.info(`${sweep.name} deleted`, { count: total });
    } catch (err) {
      this.options.logger.warn(`deleting ${sweep.name} failed`, { err });
    }
  }
}
