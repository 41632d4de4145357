import type { RequestHandler } from 'express';

/** Every response: a browser must not guess a type other than the one sent (API.md). */
export const noSniff: RequestHandler = (_req, res, next) => {
  res.setHeader('X-Content-Type-Options', 'nosniff');
  next();
};

/**
 * First handler of every route whose response carries a key or a secret (API.md): no cache,
 * shared or private, may keep a copy of it.
 */
export const noStore: RequestHandler = (_req, res, next) => {
  res.setHeader('Cache-Control', 'no-store');
  next();
};
