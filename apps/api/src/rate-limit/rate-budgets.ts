import { type Db, type RateBudget, TIER_LIMITS } from '@triggers/db';
import type { Response } from 'express';
import { HttpError } from '../http/http-error.js';
import { type RateLimitDecision, RateLimiter } from './rate-limiter.js';

declare global {
  namespace Express {
    interface Locals {
      /** The budget this request counts against, once that is decided. */
      rateBudget?: RateBudget;
    }
  }
}

export interface RateBudgetsOptions {
  /** Called for every request refused with 429. */
  onLimited: (budget: RateBudget) => void;
  /** The clock of the windows (tests set it). */
  now?: () => number;
}

function setHeaders(res: Response, d: RateLimitDecision): void {
  res.setHeader('X-RateLimit-Limit', String(d.limit));
  res.setHeader('X-RateLimit-Remaining', String(d.remaining));
  res.setHeader('X-RateLimit-Reset', String(d.resetSeconds));
}

function rateLimitExceeded(d: RateLimitDecision): HttpError {
  return new HttpError(
    429,
    'rate_limited',
    'Rate limit exceeded',
    { limit: d.limit, window: '1 minute', retry_after: d.resetSeconds },
    { 'Retry-After': String(d.resetSeconds) },
  );
}

/**
 * The two rate-limit budgets of every organization (API.md, "Tiers and rate limits"), each the
 * tier's number per 60-second window, shared by every API process: **events** (each ingested
 * or replayed event counts one) and **requests** (every other authenticated request counts
 * one). Each call counts against one budget for the calling organization (`res.locals.org`),
 * sets the X-RateLimit-* headers of that budget, and throws the contract's 429 when the cost
 * does not fit (nothing is counted then).
 */
export class RateBudgets {
  private readonly limiters: Record<RateBudget, RateLimiter>;

  constructor(
    db: Db,
    private readonly options: RateBudgetsOptions,
  ) {
    this.limiters = {
      events: new RateLimiter(db, 'events', options.now),
      requests: new RateLimiter(db, 'requests', options.now),
    };
  }

  /**
   * Counts `count` events against the events budget: the one call for every route that
   * ingests or replays events (a batch of N, a replay of N). All of them fit, or none is
   * counted and this throws 429; a count over the tier's whole budget never fits.
   */
  async consumeEvents(res: Response, count: number): Promise<void> {
    await this.consume(res, 'events', count, true);
  }

  /**
   * Counts one request against the requests budget; throws 429 when it is spent, unless
   * `refuse` is false (key management: counted, and shown in the headers, but never refused).
   */
  async consumeRequest(res: Response, refuse = true): Promise<void> {
    await this.consume(res, 'requests', 1, refuse);
  }

  /**
   * Marks the request as counted against `budget` later, in its route (once it knows its
   * cost), and sets the headers from what is left now, so a response that ends before the
   * route counts (a body that does not parse) still carries them.
   */
  deferTo(res: Response, budget: RateBudget): void {
    const org = res.locals.org;
    res.locals.rateBudget = budget;
    setHeaders(res, this.limiters[budget].peek(org.id, TIER_LIMITS[org.tier]));
  }

  private async consume(res: Response, budget: RateBudget, cost: number, refuse: boolean): Promise<void> {
    const org = res.locals.org;
    res.locals.rateBudget = budget;
    const decision = await this.limiters[budget].consume(org.id, TIER_LIMITS[org.tier], cost);
    setHeaders(res, decision);
    if (!decision.allowed && refuse) {
      this.options.onLimited(budget);
      throw rateLimitExceeded(decision);
    }
  }
}
