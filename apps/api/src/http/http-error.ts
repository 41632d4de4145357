/** Detail of one offending field in a 422 body. */
export interface FieldError {
  field: string;
  message: string;
}

/** The Retry-After of a 503 database_unavailable: a restarting database or a lock is usually gone by then. */
export const DATABASE_RETRY_AFTER_SECONDS = 5;

/**
 * The one error type route code throws. The error middleware turns it into the contract's
 * body: `{"error", "code", "request_id", ...extra}` with `status`.
 */
export class HttpError extends Error {
  override name = 'HttpError';

  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
    readonly extra: Record<string, unknown> = {},
    readonly headers: Record<string, string> = {},
  ) {
    super(message);
  }

  /** The 404 for an event id that is unknown to the caller or malformed. */
  static eventNotFound(): HttpError {
    return new HttpError(404, 'not_found', 'Event not found');
  }

  /**
   * The database refused, went away or was too slow (API.md Conventions): try again later.
   * Never a 500, whatever node-postgres threw.
   */
  static databaseUnavailable(): HttpError {
    return new HttpError(
      503,
      'database_unavailable',
      'Service temporarily unavailable',
      {},
      { 'Retry-After': String(DATABASE_RETRY_AFTER_SECONDS) },
    );
  }

  static validation(details: FieldError[]): HttpError {
    const fields = details.map((d) => d.field).join(', ');
    return new HttpError(422, 'validation_error', `Validation failed: ${fields}`, { details });
  }
}
