import { sql } from 'kysely';
import type { Db } from './database.js';

/** How long a health check waits for the database (the contract answers 503 within 2 s). */
export const DATABASE_CHECK_TIMEOUT_MS = 1_500;

/** Resolves true when the database answers `SELECT 1` within the timeout, false otherwise. */
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
