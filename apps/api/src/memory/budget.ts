import { whenRequestDone } from '../http/handler-tracking.js';
import { HttpError } from '../http/http-error.js';

interface Waiter {
  bytes: number;
  grant: (release: () => void) => void;
  refuse: (error: unknown) => void;
  timer: NodeJS.Timeout;
}

/** The answer when heap for a request could not be had in time: the process is busy, not broken. */
export function serverBusy(): HttpError {
  return new HttpError(503, 'server_busy', 'Server is busy, retry shortly', {}, { 'Retry-After': '1' });
}

/**
 * One process-wide budget of heap for the large things requests hold: parsed request bodies and
 * pages of event payloads (see memory-limits.ts for its size and the arithmetic). A request
 * reserves what it will hold before it allocates it and gives it back when done, so however
 * many requests run at once, together they never hold more than `capacity`: the ones that do not
 * fit wait in line (first come, first served) and, after `maxWaitMs`, are answered `503
 * server_busy` with `Retry-After`.
 */
export class MemoryBudget {
  private used = 0;
  private readonly waiting: Waiter[] = [];

  constructor(
    readonly capacity: number,
    private readonly maxWaitMs: number,
  ) {}

  /** Bytes reserved now. */
  get reserved(): number {
    return this.used;
  }

  /**
   * Resolves, once `bytes` fit, to the function that gives them back (calling it again does
   * nothing). A reservation larger than the whole budget is cut to it: it then runs alone.
   * Rejects with 503 `server_busy` after `maxWaitMs` in line, or with `signal`'s reason when it
   * is aborted while waiting.
   */
  reserve(bytes: number, signal?: AbortSignal): Promise<() => void> {
    const amount = Math.min(Math.max(0, Math.ceil(bytes)), this.capacity);
    if (this.waiting.length === 0 && this.used + amount <= this.capacity) {
      this.used += amount;
      return Promise.resolve(this.releaser(amount));
    }
    return new Promise((grant, refuse) => {
      const waiter: Waiter = {
        bytes: amount,
        grant,
        refuse,
        timer: setTimeout(() => this.drop(waiter, serverBusy()), this.maxWaitMs),
      };
      signal?.addEventListener('abort', () => this.drop(waiter, signal.reason), { once: true });
      this.waiting.push(waiter);
    });
  }

  private releaser(amount: number): () => void {
    let released = false;
    return () => {
      if (released) return;
      released = true;
      this.used -= amount;
      this.grantWaiting();
    };
  }

  private drop(waiter: Waiter, error: unknown): void {
    const index = this.waiting.indexOf(waiter);
    if (index === -1) return;
    this.waiting.splice(index, 1);
    clearTimeout(waiter.timer);
    waiter.refuse(error);
    // The head of the line may have been what held the others back.
    if (index === 0) this.grantWaiting();
  }

  private grantWaiting(): void {
    for (let next = this.waiting[0]; next && this.used + next.bytes <= this.capacity; next = this.waiting[0]) {
      this.waiting.shift();
      clearTimeout(next.timer);
      this.used += next.bytes;
      next.grant(this.releaser(next.bytes));
    }
  }
}

/**
 * Reserves `bytes` of `budget` for a request: they are given back once its response has been sent
 * (or its connection closed) and its route handler is done, whichever comes last: a handler can
 * outlive its response (REQUEST_TIMEOUT_MS answers for it) and holds the body until it ends.
 * A caller that leaves while still in line is taken out of it.
 */
export async function reserveForRequest(
  budget: MemoryBudget,
  res: { destroyed: boolean; once(event: 'close', listener: () => void): unknown },
  bytes: number,
): Promise<void> {
  const left = new AbortController();
  let granted = false;
  res.once('close', () => {
    if (!granted) left.abort(new HttpError(400, 'request_aborted', 'Request was aborted'));
  });
  const release = await budget.reserve(bytes, left.signal);
  granted = true;
  whenRequestDone(res, release);
}
