import { sql } from 'kysely';
import type { Db } from './database.js';

/** How long a health check waits for the database (the contract answers 503 within 2 s). */
export const DATABASE_CHECK_TIMEOUT_MS = 1_500;

/**
 * Resolves true when the database serves a read of the events table within the timeout, false
 * otherwise: refused or lost connections, no free connection in the pool, and the events table
 * locked (a request would wait on it) all count as not answering. The probe's statement carries
 * the same timeout, so an abandoned probe does not hold a pool connection for long.
 */
export async function databaseAnswers(db: Db, timeoutMs = DATABASE_CHECK_TIMEOUT_MS): Promise<boolean> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<boolean>((resolve) => {
    timer = setTimeout(() => resolve(false), timeoutMs);
  });
  const probe = db
    .transaction()
    .execute(async (trx) => {
      await sql`SELECT set_config('statement_timeout', ${String(timeoutMs)}, true)`.execute(trx);
      await sql`SELECT 1 FROM events LIMIT 1`.execute(trx);
    })
    .then(
      () => true,
      () => false,
    );
  try {
    return await Promise.race([probe, timeout]);
  } finally {
    clearTimeout(timer);
  }
}
