import type { NextFunction, Request, RequestHandler, Response } from 'express';
import type { RateBudgets } from './rate-budgets.js';

/**
 * Counts the request against the requests budget, unless an earlier handler has already
 * decided its budget. With `refuse: false` the request is counted but never refused
 * (`GET /api/keys`, `POST /api/keys/rotate`: an organization flooded through a leaked key
 * must still be able to rotate it).
 */
export function countRequest(budgets: RateBudgets, options: { refuse?: boolean } = {}): RequestHandler {
  const refuse = options.refuse ?? true;
  return async (_req: Request, res: Response, next: NextFunction) => {
    if (res.locals.rateBudget === undefined) await budgets.consumeRequest(res, refuse);
    next();
  };
}

/** Counts the request as `count` events against the events budget (`POST /api/events`: one). */
export function countEvents(budgets: RateBudgets, count: number): RequestHandler {
  return async (_req: Request, res: Response, next: NextFunction) => {
    await budgets.consumeEvents(res, count);
    next();
  };
}

/** The route counts the request's events itself, once it knows how many (`POST /api/events/batch`). */
export function eventsCountedByRoute(budgets: RateBudgets): RequestHandler {
  return (_req: Request, res: Response, next: NextFunction) => {
    budgets.deferTo(res, 'events');
    next();
  };
}
