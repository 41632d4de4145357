import { type Db, databaseAnswers } from '@triggers/db';
import { Router } from 'express';
import { route } from '../http/route.js';

export function healthRoutes(db: Db): Router {
  const router = Router();
  route(router, '/health', {
    get: [
      async (_req, res) => {
        if (await databaseAnswers(db)) res.json({ status: 'healthy', database: 'ok' });
        else res.status(503).json({ status: 'unhealthy', database: 'unreachable' });
      },
    ],
  });
  route(router, '/health/live', {
    get: [(_req, res) => void res.json({ status: 'alive' })],
  });
  return router;
}
