import { Kysely, PostgresDialect } from 'kysely';
import pg from 'pg';
import type { Database } from './database.js';

// Return int8 (bigint) columns as numbers and keep timestamps as Date objects.
pg.types.setTypeParser(pg.types.builtins.INT8, (value) => Number.parseInt(value, 10));

export interface DbHandle {
  db: Kysely<Database>;
  pool: pg.Pool;
  close(): Promise<void>;
}

export interface ConnectOptions {
  connectionString: string;
  max?: number;
  applicationName?: string;
  /** Longest wait for a connection, a new one or a free one from the pool (default 5 s). */
  connectTimeoutMs?: number;
  /**
   * The sessions' `statement_timeout` and `lock_timeout` (unset: the server's, usually none).
   * The API sets it so that a slow or locked database is a quick 503, never a hang; migrations
   * and maintenance do not.
   */
  statementTimeoutMs?: number;
  /** The sessions' `idle_in_transaction_session_timeout`: a transaction left idle this long is ended. */
  idleInTransactionTimeoutMs?: number;
}

/** One pg pool per process, wrapped by Kysely. `close()` ends both. */
export function connect(options: ConnectOptions): DbHandle {
  const pool = new pg.Pool({
    connectionString: options.connectionString,
    max: options.max ?? 10,
    application_name: options.applicationName ?? 'triggers-api',
    connectionTimeoutMillis: options.connectTimeoutMs ?? 5_000,
    idleTimeoutMillis: 30_000,
    // TCP keepalives: a connection to a server that vanished without a word is found dead.
    keepAlive: true,
    statement_timeout: options.statementTimeoutMs,
    lock_timeout: options.statementTimeoutMs,
    idle_in_transaction_session_timeout: options.idleInTransactionTimeoutMs,
  });
  // An idle client losing its connection must not crash the process; the pool replaces it.
  pool.on('error', () => {});
  const db = new Kysely<Database>({ dialect: new PostgresDialect({ pool }) });
  return {
    db,
    pool,
    close: async () => {
      await db.destroy();
      // Kysely ends the pool only if it ever ran a query; pg-boss may have used the pool directly.
      if (!pool.ending) await pool.end();
    },
  };
}
