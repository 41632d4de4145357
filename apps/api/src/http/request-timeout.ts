import type { NextFunction, Request, Response } from 'express';
import { sendError } from './error-handler.js';
import { HttpError } from './http-error.js';

declare global {
  namespace Express {
    interface Locals {
      /** Answered 503 by requestTimeout; the handler still running must not answer again. */
      timedOut?: boolean;
    }
  }
}

/**
 * No request waits longer than `ms` (REQUEST_TIMEOUT_MS) for an answer: past it, one still
 * unanswered is answered `503 database_unavailable` with Retry-After. All a request waits on once
 * its body is in is the database (a pool connection, a lock, a statement), which its own timeouts
 * (DATABASE_CONNECT_TIMEOUT_MS, DATABASE_STATEMENT_TIMEOUT_MS) usually end first; this is the
 * bound on their sum. A request whose body is still arriving is left to the server's own timeouts
 * (the caller is slow, not the database). The handler is not stopped: its statement ends at the
 * statement timeout, and what it then writes or throws is dropped.
 */
export function requestTimeout(ms: number) {
  return (req: Request, res: Response, next: NextFunction): void => {
    const timer = setTimeout(() => {
      if (res.headersSent || !req.complete) return;
      res.locals.timedOut = true;
      sendError(req, res, HttpError.databaseUnavailable());
    }, ms);
    res.once('close', () => clearTimeout(timer));
    next();
  };
}
