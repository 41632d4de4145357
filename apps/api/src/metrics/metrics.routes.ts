import { Router } from 'express';
import { route } from '../http/route.js';
import type { ApiMetrics } from './api-metrics.js';

export function metricsRoutes(metrics: ApiMetrics): Router {
  const router = Router();
  route(router, '/metrics', {
    get: [
      async (_req, res) => {
        res.setHeader('Content-Type', metrics.registry.contentType);
        res.send(await metrics.registry.metrics());
      },
    ],
  });
  return router;
}
