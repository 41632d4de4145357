import type { Database } from '@triggers/db';
import type { Logger } from '@triggers/logger';
import { type Kysely, sql, type Transaction } from 'kysely';

/** One piece of periodic maintenance. */
export interface PeriodicTask {
  /** For the log line and metrics. */
  name: string;
  intervalMs: number;
  /**
   * The advisory lock that makes one worker at a time run it (with the namespace below): every
   * worker runs the registry, and a pass another worker holds is skipped.
   */
  lockKey: number;
  /** One pass, in the transaction that holds the lock; resolves to how many rows it handled. */
  run(trx: Transaction<Database>): Promise<number>;
}

/** The first key of every task's advisory lock ('tr'), so our locks never collide with others'. */
export const LOCK_NAMESPACE = 0x7472;

/**
 * The one place periodic maintenance runs (pg-boss's Boss and Timekeeper do the same for its own):
 * each task on its interval, under its advisory lock, with one log line per pass that did
 * something. A failed pass is logged and tried again at the next interval.
 */
export class PeriodicTasks {
  private readonly timers: NodeJS.Timeout[] = [];
  private readonly running = new Map<string, Promise<number | undefined>>();

  constructor(private readonly options: { db: Kysely<Database>; logger: Logger; tasks: readonly PeriodicTask[] }) {}

  get names(): string[] {
    return this.options.tasks.map((t) => t.name);
  }

  start(): void {
    for (const task of this.options.tasks) {
      const timer = setInterval(() => void this.runOnce(task.name), task.intervalMs);
      timer.unref();
      this.timers.push(timer);
    }
  }

  /**
   * One pass of the named task now (the one in progress, if any). Resolves to the rows it handled,
   * or undefined when another worker held its lock or it failed.
   */
  runOnce(name: string): Promise<number | undefined> {
    const task = this.options.tasks.find((t) => t.name === name);
    if (!task) return Promise.reject(new Error(`no periodic task named ${name}`));
    let pass = this.running.get(name);
    if (!pass) {
      pass = this.pass(task).finally(() => this.running.delete(name));
      this.running.set(name, pass);
    }
    return pass;
  }

  async stop(): Promise<void> {
    for (const timer of this.timers.splice(0)) clearInterval(timer);
    await Promise.all(this.running.values());
  }

  private async pass(task: PeriodicTask): Promise<number | undefined> {
    const { db, logger } = this.options;
    const started = performance.now();
    try {
      const count = await db.transaction().execute(async (trx) => {
        const { rows } = await sql<{ locked: boolean }>`
          SELECT pg_try_advisory_xact_lock(${LOCK_NAMESPACE}::int, ${task.lockKey}::int) AS locked`.execute(trx);
        return rows[0]?.locked ? task.run(trx) : undefined;
      });
      const context = { task: task.name, count, duration_ms: Math.round(performance.now() - started) };
      if (count === undefined) logger.debug('maintenance task skipped: another worker holds it', context);
      else if (count > 0) logger.info('maintenance task ran', context);
      else logger.debug('maintenance task ran', context);
      return count;
    } catch (err) {
      logger.warn('maintenance task failed', { task: task.name, err });
      return undefined;
    }
  }
}
