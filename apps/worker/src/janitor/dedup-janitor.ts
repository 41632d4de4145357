import type { Db } from '@triggers/db';
import type { Logger } from '@triggers/logger';
import { deleteExpiredDedupRecords } from './dedup.repository.js';

export interface DedupJanitorOptions {
  db: Db;
  logger: Logger;
  intervalMs?: number;
  /** Rows per DELETE, so one pass never holds many locks for long. */
  chunk?: number;
}

/**
 * Deletes dedup records whose window has passed, every few minutes. Ingest already takes over an
 * expired record in place, so this only keeps the table (and its index) from growing forever.
 * Several workers may run it at once: each row is deleted by one of them.
 */
export class DedupJanitor {
  private timer: NodeJS.Timeout | undefined;
  private running: Promise<void> | undefined;
  private stopped = false;

  constructor(private readonly options: DedupJanitorOptions) {}

  start(): void {
    const interval = this.options.intervalMs ?? 5 * 60_000;
    this.timer = setInterval(() => void this.runOnce(), interval);
    this.timer.unref();
  }

  /** One pass, in chunks until nothing expired is left. Never rejects. */
  runOnce(): Promise<void> {
    this.running ??= this.sweep().finally(() => {
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

  private async sweep(): Promise<void> {
    const chunk = this.options.chunk ?? 5_000;
    let total = 0;
    try {
      for (;;) {
        const deleted = await deleteExpiredDedupRecords(this.options.db, chunk);
        total += deleted;
        if (deleted < chunk || this.stopped) break;
      }
      if (total > 0) this.options.logger.info('expired dedup records deleted', { count: total });
    } catch (err) {
      this.options.logger.warn('dedup cleanup failed', { err });
    }
  }
}
