import type { Db } from '@triggers/db';
import { claimWindowBudget, deleteOldWindows } from './rate-limit.repository.js';

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
  /** A claim in flight, which concurrent requests of the same organization wait for. */
  claiming?: Promise<void>;
}

/**
 * Per-organization fixed 60-second windows, shared by every API process through one row per
 * organization and window. A process claims a block of the budget (1% of the limit, at least 1)
 * and spends it in memory, so most requests cost no database round trip, and all processes
 * together never admit more than the limit. The price is that budget claimed by one process
 * and unspent there is not available to another: at most one block per process.
 */
export class RateLimiter {
  private readonly windows = new Map<string, OrgWindow>();
  private lastCleanup = 0;

  constructor(
    private readonly db: Db,
    private readonly now: () => number = Date.now,
  ) {}

  async consume(orgId: string, limit: number, cost = 1): Promise<RateLimitDecision> {
    const now = this.now();
    const windowStart = now - (now % WINDOW_MS);
    const resetSeconds = Math.max(1, Math.ceil((windowStart + WINDOW_MS - now) / 1000));
    let w = this.windows.get(orgId);
    if (!w || w.windowStart !== windowStart) {
      w = { windowStart, tokens: 0, claimedEverywhere: 0, spent: false };
      this.windows.set(orgId, w);
      this.cleanup(now);
    }
    while (w.tokens < cost && !w.spent && cost <= limit) {
      if (w.claiming) {
        await w.claiming;
        continue;
      }
      w.claiming = this.claim(w, orgId, limit, cost - w.tokens);
      try {
        await w.claiming;
      } finally {
        w.claiming = undefined;
      }
    }
    const remaining = () => Math.max(0, limit - w.claimedEverywhere + w.tokens);
    if (w.tokens >= cost) {
      w.tokens -= cost;
      return { allowed: true, limit, remaining: remaining(), resetSeconds };
    }
    return { allowed: false, limit, remaining: remaining(), resetSeconds };
  }

  private async claim(w: OrgWindow, orgId: string, limit: number, need: number): Promise<void> {
    const block = Math.max(need, Math.ceil(limit / 100));
    const granted = await claimWindowBudget(this.db, orgId, new Date(w.windowStart), block, limit);
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

  /** Drops in-memory windows of past minutes and, at most once a minute, old rows. */
  private cleanup(now: number): void {
    if (now - this.lastCleanup < WINDOW_MS) return;
    this.lastCleanup = now;
    const current = now - (now % WINDOW_MS);
    for (const [orgId, w] of this.windows) if (w.windowStart < current) this.windows.delete(orgId);
    deleteOldWindows(this.db, new Date(current - 5 * WINDOW_MS)).catch(() => {});
  }
}
