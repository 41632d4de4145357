/**
 * Every failure of a TriggersClient call. `status` is the HTTP status (0 when no response came:
 * a network error or a timeout, after the retries), `code` the contract's machine code
 * (`not_found`, `rate_limited`, `validation_error`, … or `network_error`/`timeout`), `requestId`
 * the X-Request-ID the call was sent with and the API echoed, `body` the whole error body (with
 * `details`, `event_id`, `retry_after` … where the API gave them).
 */
export class TriggersError extends Error {
  readonly status: number;
  readonly code: string;
  readonly requestId: string;
  readonly body: Record<string, unknown> | undefined;

  constructor(options: {
    status: number;
    code: string;
    message: string;
    requestId: string;
    body?: Record<string, unknown>;
    cause?: unknown;
  }) {
    super(options.message, options.cause === undefined ? undefined : { cause: options.cause });
    this.name = 'TriggersError';
    this.status = options.status;
    this.code = options.code;
    this.requestId = options.requestId;
    this.body = options.body;
  }

  /** The error body's `details` (a 422's offending fields), when it has them. */
  get details(): { field: string; message: string }[] | undefined {
    const details = this.body?.details;
    return Array.isArray(details) ? (details as { field: string; message: string }[]) : undefined;
  }
}
