/**
 * What a database outage looks like from node-postgres: the errors that mean "the database is
 * unreachable or too slow right now" rather than "this statement is wrong". The API answers them
 * 503 `database_unavailable` (try again later), never 500.
 */

/** Socket errors of a connection that could not be made or was lost. */
const NETWORK_CODES = new Set([
  'ECONNREFUSED',
  'ECONNRESET',
  'ECONNABORTED',
  'EPIPE',
  'ETIMEDOUT',
  'EHOSTUNREACH',
  'EHOSTDOWN',
  'ENETUNREACH',
  'ENETDOWN',
  'ENOTFOUND',
  'EAI_AGAIN',
]);

/** SQLSTATEs of a server that is going away, full, or ended our statement for taking too long. */
const SQLSTATES = new Set([
  '53300', // too_many_connections
  '57P01', // admin_shutdown
  '57P02', // crash_shutdown
  '57P03', // cannot_connect_now (starting up, shutting down, in recovery)
  '57014', // query_canceled: statement_timeout
  '55P03', // lock_not_available: lock_timeout
  '25P03', // idle_in_transaction_session_timeout
]);

/** Messages node-postgres and pg-pool give, without a code, for a lost or never-made connection. */
const MESSAGES = [
  /^timeout exceeded when trying to connect$/, // pg-pool: no free connection within connectionTimeoutMillis
  /^Connection terminated/, // "… unexpectedly", "… due to connection timeout"
  /^Client has encountered a connection error and is not queryable$/,
];
// Not here: a pool or client our own code has closed ("Cannot use a pool after calling end on
// the pool"): that is a bug or a shutdown, not the database, and stays a logged 500.

interface ErrorLike {
  code?: unknown;
  message?: unknown;
  errors?: unknown;
  cause?: unknown;
}

// Read by shape, not `instanceof Error`: errors made by Node's sockets may come from another realm
// (a vm context, as under Jest), where that test is false.
function matches(error: unknown, depth: number): boolean {
  if (typeof error !== 'object' || error === null || depth > 5) return false;
  const { code, message, errors, cause } = error as ErrorLike;
  if (typeof code === 'string' && (NETWORK_CODES.has(code) || SQLSTATES.has(code) || code.startsWith('08'))) return true;
  if (typeof message === 'string' && MESSAGES.some((pattern) => pattern.test(message))) return true;
  // Node wraps the attempts at each address of a host name in an AggregateError; others set `cause`.
  if (Array.isArray(errors) && errors.some((inner) => matches(inner, depth + 1))) return true;
  return matches(cause, depth + 1);
}

/**
 * True for an error that means the database is unreachable, overloaded or too slow: a refused,
 * lost or timed-out connection (class 08 SQLSTATEs included), a server shutting down or out of
 * connections, a statement ended by `statement_timeout` or `lock_timeout`.
 */
export function isDatabaseUnavailable(error: unknown): boolean {
  return matches(error, 0);
}
