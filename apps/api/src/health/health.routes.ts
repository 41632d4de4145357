import type { Db } from '@triggers/db';
import { Router } from 'express';
import { sql } from 'kysely';
import { route } from '../http/route.js';

const DATABASE_CHECK_TIMEOUT_MS = 1_500;

/** Resolves true when the database answers `SELECT 1` in time. */
export async function databaseAnswers(db: Db, timeoutMs = DATABASE_CHECK_TIMEOUT_MS): Promise<boolean> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<boolean>((resolve) => {
    timer = setTimeout(() => resolve(false), timeoutMs);
  });
  const query = sql`SELECT 1`.execute(db).then(
    () => true,
    () => false,
  );
  try {
    return await Promise.race([query, timeout]);
  } finally {
    clearTimeout(timer);
  }
}

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
