import type { Logger } from '@triggers/logger';
import type { NextFunction, Request, Response } from 'express';
import { routeLabel } from './route.js';

/**
 * One `http`-level line per finished request (shown with LOG_LEVEL=http or lower): request id,
 * method, route pattern, status, duration and the calling organization. Never a header, query
 * string or body, so never a key, secret or payload.
 */
export function logRequests(logger: Logger) {
  return (req: Request, res: Response, next: NextFunction) => {
    const start = process.hrtime.bigint();
    res.on('finish', () => {
      logger.http('request', {
        request_id: req.id,
        method: req.method,
        route: routeLabel(req),
        status: res.statusCode,
        duration_ms: Math.round(Number(process.hrtime.bigint() - start) / 1e5) / 10,
        ...(res.locals.org ? { org_id: res.locals.org.id } : {}),
      });
    });
    next();
  };
}
