import type { Request, RequestHandler, Router } from 'express';
import { tracked } from './handler-tracking.js';
import { methodNotAllowed } from './not-found.js';

type Method = 'get' | 'post' | 'put' | 'patch' | 'delete';

/**
 * Declares one path with its handlers by method; any other method on the path answers 405
 * with an Allow header. `HEAD` follows `GET` as Express does. Handlers are tracked while they
 * run (handler-tracking.ts), so that what a request holds is known to be released.
 */
export function route(router: Router, path: string, handlers: Partial<Record<Method, RequestHandler[]>>): void {
  const r = router.route(path);
  const allowed: string[] = [];
  for (const [method, chain] of Object.entries(handlers) as [Method, RequestHandler[]][]) {
    r[method](...chain.map(tracked));
    allowed.push(method.toUpperCase());
    if (method === 'get') allowed.push('HEAD');
  }
  r.all(methodNotAllowed(allowed));
}

/** The route pattern that matched (`/api/events/:id`), never the raw path, to bound label values. */
export function routeLabel(req: Request): string {
  const path = req.route?.path;
  return typeof path === 'string' ? `${req.baseUrl}${path}` : 'unmatched';
}
