import type { Config } from '@triggers/config';
import { connect, type DbHandle } from '@triggers/db';

/**
 * The API's pool, with the limits that turn a refused, locked or slow database into a quick 503
 * (API.md Conventions) instead of a hang: a connection within DATABASE_CONNECT_TIMEOUT_MS, each
 * statement and lock wait within DATABASE_STATEMENT_TIMEOUT_MS, and no transaction left idle
 * longer than a request may last (REQUEST_TIMEOUT_MS).
 */
export function connectApiDatabase(config: Config, applicationName = 'triggers-api'): DbHandle {
  return connect({
    connectionString: config.databaseUrl,
    max: config.databasePoolMax,
    applicationName,
    connectTimeoutMs: config.databaseConnectTimeoutMs,
    statementTimeoutMs: config.databaseStatementTimeoutMs,
    idleInTransactionTimeoutMs: config.requestTimeoutMs,
  });
}
