import type { Db, RateBudget } from '@triggers/db';
import { claimWindowBudget } from './rate-limit.repository.js';

export const WINDOW_MS = 60_000;

export interface RateLimitDecision {
  allowed: boolean;
  limit: number;
  remaining: number;
  /** Seconds until the window resets. */
  resetSeconds: number;
}

interface OrgWindow {
  windowStart: number;
  /** Budget this process has claimed from the shared window and not yet spent. */
  tokens: number;
  /** Everything claimed from the window by all processes, as of this process's last claim. */
  claimedEverywhere: number;
  /** The shared window had nothing left at the last claim. */
  spent: boolean;
  /** Cost of the requests of this process now waiting for budget. */
  demand: number;
  /** A claim in flight, which concurrent requests of the same organization wait for. */
  claiming?: Promise<void>;
}

/** What a process claims from the shared window at a time: 1% of the limit, at least 5. */
export function blockSize(limit: number): number {
  return Math.min(limit, Math.max(5, Math.ceil(limit / 100)));
}

/**
 * One budget (events or requests) of every organization, in fixed 60-second windows shared by
 * every API process through one row per organization, budget and window. A process claims a
 * block of the budget (1% of the limit, at least 5) and spends it in memory, so most requests
 * cost no database round trip, and all processes together never admit more than the limit. The
 * next block is claimed in the background when the local one runs low. The price is that budget
 * claimed by one process and unspent there is not available to another: at most one and a half
 * blocks per process (or, when requests cost more than a block, what the last of them waited for).
 */
export class RateLimiter {
  private readonly windows = new Map<string, OrgWindow>();
  private lastCleanup = 0;

  constructor(
    private readonly db: Db,
    readonly budget: RateBudget,
    private readonly now: () => number = Date.now,
  ) {}

  /**
   * Spends `cost` of the organization's budget in the current window, or nothing when that much
   * is not left (a cost over `limit` never fits).
   */
  async consume(orgId: string, limit: number, cost = 1): Promise<RateLimitDecision> {
    const { w, resetSeconds } = this.current(orgId);
    // Requests waiting for budget add up, so a burst is served by one claim, not one each.
    w.demand += cost;
    try {
      while (w.tokens < cost && !w.spent && cost <= limit) await this.refill(w, orgId, limit);
    } finally {
      w.demand -= cost;
    }
    const remaining = () => Math.max(0, limit - w.claimedEverywhere + w.tokens);
    if (w.tokens >= cost) {
      w.tokens -= cost;
      this.prefetch(w, orgId, limit);
      return { allowed: true, limit, remaining: remaining(), resetSeconds };
    }
    return { allowed: false, limit, remaining: remaining(), resetSeconds };
  }

  /**
   * What is left, as this process knows it, without spending or claiming anything (for a
   * response that ends before it knows its cost). Another process's spending since this one
   * last claimed is not seen.
   */
  peek(orgId: string, limit: number): RateLimitDecision {
    const { w, resetSeconds } = this.current(orgId);
    const remaining = Math.max(0, limit - w.claimedEverywhere + w.tokens);
    return { allowed: remaining > 0, limit, remaining, resetSeconds };
  }

  /** The organization's window now, started afresh at a window boundary. */
  private current(orgId: string): { w: OrgWindow; resetSeconds: number } {
    const now = this.now();
    const windowStart = now - (now % WINDOW_MS);
    const resetSeconds = Math.max(1, Math.ceil((windowStart + WINDOW_MS - now) / 1000));
    let w = this.windows.get(orgId);
    if (!w || w.windowStart !== windowStart) {
      w = { windowStart, tokens: 0, claimedEverywhere: 0, spent: false, demand: 0 };
      this.windows.set(orgId, w);
      this.cleanup(now);
    }
    return { w, resetSeconds };
  }

  /** One claim at a time per organization and window; concurrent requests wait for it. */
  private refill(w: OrgWindow, orgId: string, limit: number): Promise<void> {
    w.claiming ??= this.claim(w, orgId, limit).finally(() => {
      w.claiming = undefined;
    });
    return w.claiming;
  }

  /**
   * Claims the next block in the background once the local budget runs low, so requests rarely
   * wait for the database. (A failed prefetch is retried on the request path by the next request.)
   */
  private prefetch(w: OrgWindow, orgId: string, limit: number): void {
    if (w.spent || w.claiming || w.tokens >= Math.ceil(blockSize(limit) / 2)) return;
    this.refill(w, orgId, limit).catch(() => {});
  }

  private async claim(w: OrgWindow, orgId: string, limit: number): Promise<void> {
    const block = Math.max(w.demand - w.tokens, blockSize(limit));
    const granted = await claimWindowBudget(this.db, orgId, this.budget, new Date(w.windowStart), block, limit);
    if (granted === 0) {
      w.spent = true;
      w.claimedEverywhere = limit;
      return;
    }
    w.tokens += granted;
    w.claimedEverywhere += granted;
    if (granted < block) {
      // The window is now spent everywhere; this process keeps what it got.
      w.spent = true;
      w.claimedEverywhere = limit;
    }
  }

  /**
   * Drops in-memory windows of past minutes, at most once a minute. (Old rows of the shared table
   * are deleted by the worker's periodic maintenance, not on a request path.)
   */
  private cleanup(now: number): void {
    if (now - this.lastCleanup < WINDOW_MS) return;
    this.lastCleanup = now;
    const current = now - (now % WINDOW_MS);
    for (const [orgId, w] of this.windows) if (w.windowStart < current) this.windows.delete(orgId);
  }
}
