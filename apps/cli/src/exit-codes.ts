import { TriggersError } from '@triggers/client';

/** What `triggers` exits with; scripts may branch on these (README lists them). */
export const EXIT = {
  ok: 0,
  /** The API refused the request (a 4xx not listed below: validation, duplicate, conflict…). */
  refused: 1,
  /** Bad flags or arguments, or no API key configured. */
  usage: 2,
  /** The API key was missing or not accepted (401). */
  unauthorized: 3,
  /** No such event or subscription (404). */
  notFound: 4,
  /** Rate limited (429), after the client's retries. */
  rateLimited: 5,
  /** The API could not be reached, timed out or failed (network error, 5xx), after the client's retries. */
  unavailable: 6,
  /** Stopped by Ctrl-C (SIGINT) or SIGTERM before it finished; `events tail` and `listen` end that way with 0. */
  interrupted: 130,
} as const;

/** A mistake in how the command was called: printed with a hint, exit 2. */
export class UsageError extends Error {}

export function exitCodeOf(error: unknown): number {
  if (error instanceof UsageError) return EXIT.usage;
  if (!(error instanceof TriggersError)) return EXIT.unavailable;
  if (error.code === 'missing_api_key' && error.status === 0) return EXIT.usage;
  if (error.status === 401) return EXIT.unauthorized;
  if (error.status === 404) return EXIT.notFound;
  if (error.status === 429) return EXIT.rateLimited;
  if (error.status === 0 || error.status >= 500) return EXIT.unavailable;
  return EXIT.refused;
}

/** A failure worth waiting out in a long-running command: no answer, rate limited, or a server error. */
export function isTransient(error: unknown): boolean {
  return error instanceof TriggersError && (error.status === 0 || error.status === 429 || error.status >= 500);
}
