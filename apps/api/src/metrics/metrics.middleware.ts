import type { NextFunction, Request, Response } from 'express';
import { routeLabel } from '../http/route.js';
import type { ApiMetrics } from './api-metrics.js';

export function observeRequests(metrics: ApiMetrics) {
  return (req: Request, res: Response, next: NextFunction) => {
    const start = process.hrtime.bigint();
    res.on('finish', () => {
      const labels = { method: req.method, route: routeLabel(req), status: String(res.statusCode) };
      metrics.httpRequests.inc(labels);
      metrics.httpDuration.observe(labels, Number(process.hrtime.bigint() - start) / 1e9);
    });
    next();
  };
}
