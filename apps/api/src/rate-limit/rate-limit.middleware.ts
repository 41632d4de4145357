import { TIER_LIMITS } from '@triggers/db';
import type { NextFunction, Request, RequestHandler, Response } from 'express';
import { HttpError } from '../http/http-error.js';
import type { RateLimitDecision, RateLimiter } from './rate-limiter.js';

function setHeaders(res: Response, d: RateLimitDecision): void {
  res.setHeader('X-RateLimit-Limit', String(d.limit));
  res.setHeader('X-RateLimit-Remaining', String(d.remaining));
  res.setHeader('X-RateLimit-Reset', String(d.resetSeconds));
}

export function rateLimitExceeded(d: RateLimitDecision): HttpError {
  return new HttpError(
    429,
    'rate_limited',
    'Rate limit exceeded',
    { limit: d.limit, window: '1 minute', retry_after: d.resetSeconds },
    { 'Retry-After': String(d.resetSeconds) },
  );
}

/**
 * Counts the request against the calling organization's tier limit (a batch counts one per
 * event: `cost(req)`), sets the X-RateLimit-* headers, and answers 429 past the limit.
 */
export function rateLimit(limiter: RateLimiter, onLimited: () => void, cost: (req: Request) => number = () => 1): RequestHandler {
  return async (req: Request, res: Response, next: NextFunction) => {
    const org = res.locals.org;
    const decision = await limiter.consume(org.id, TIER_LIMITS[org.tier], cost(req));
    setHeaders(res, decision);
    if (!decision.allowed) {
      onLimited();
      throw rateLimitExceeded(decision);
    }
    next();
  };
}
