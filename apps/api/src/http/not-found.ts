import type { RequestHandler } from 'express';
import { HttpError } from './http-error.js';

/** The last handler: no route matched the path. */
export const notFound: RequestHandler = (req, _res, next) => {
  next(new HttpError(404, 'not_found', `No route for ${req.method} ${req.path}`));
};

/** Ends a route's method chain: the path exists, the method does not. */
export function methodNotAllowed(allowed: string[]): RequestHandler {
  const allow = allowed.join(', ');
  return (req, _res, next) => {
    next(new HttpError(405, 'method_not_allowed', `Method ${req.method} not allowed on ${req.path}`, {}, { Allow: allow }));
  };
}
