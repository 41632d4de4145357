import { isDatabaseUnavailable } from '@triggers/db';
import type { Logger } from '@triggers/logger';
import type { ErrorRequestHandler, Request, Response } from 'express';
import { HttpError } from './http-error.js';

interface BodyParserError extends Error {
  type?: string;
  status?: number;
  expose?: boolean;
}

/** Maps what body-parser throws to the contract's errors. */
function fromBodyParser(error: BodyParserError): HttpError | undefined {
  switch (error.type) {
    case 'entity.parse.failed':
      return new HttpError(400, 'invalid_json', 'Request body is not valid JSON');
    case 'entity.too.large':
      return new HttpError(413, 'payload_too_large', 'Request body is too large');
    case 'encoding.unsupported':
    case 'charset.unsupported':
      return new HttpError(415, 'unsupported_encoding', 'Unsupported request body encoding');
    case 'request.aborted':
      return new HttpError(400, 'request_aborted', 'Request was aborted');
    default:
      // A body that cannot be read as JSON for another reason the caller caused (a corrupt
      // gzip/deflate/br stream, a length that does not match Content-Length).
      if (error.expose === true && error.status === 400)
        return new HttpError(400, 'invalid_json', 'Request body is not valid JSON');
      return undefined;
  }
}

/**
 * The router could not percent-decode a path parameter (`/api/ack/%E0%A4%A`): a malformed id,
 * which the contract answers like an unknown one (every path parameter is an event id).
 */
function fromRouter(error: unknown): HttpError | undefined {
  if (error instanceof URIError && (error as URIError & { status?: number }).status === 400) {
    return HttpError.eventNotFound();
  }
  return undefined;
}

/**
 * The database refused, lost the connection, or ended a statement for its statement or lock
 * timeout: a 503 the caller may retry, logged as a warning with the reason only (no stack: an
 * outage gives one such line per request).
 */
function fromDatabase(error: unknown, req: Request, logger: Logger): HttpError | undefined {
  if (!isDatabaseUnavailable(error)) return undefined;
  const { code, message } = error as Error & { code?: string };
  logger.warn('database unavailable', { request_id: req.id, method: req.method, path: req.path, reason: code ?? message });
  return HttpError.databaseUnavailable();
}

/** Writes an HttpError as the contract's error body. */
export function sendError(req: Request, res: Response, error: HttpError): void {
  for (const [name, value] of Object.entries(error.headers)) res.setHeader(name, value);
  res.status(error.status).json({ error: error.message, code: error.code, ...error.extra, request_id: req.id });
}

/**
 * The one place errors become responses. Anything that is not an HttpError (or a known
 * database outage, or a body or path the caller got wrong) is logged with its stack and
 * answered with a bare 500: no detail of it reaches the caller.
 */
export function errorHandler(logger: Logger): ErrorRequestHandler {
  return (err, req, res, _next) => {
    if (res.headersSent && res.locals.timedOut) {
      // Answered 503 at REQUEST_TIMEOUT_MS (request-timeout.ts); what the handler threw after that is its sequel.
      res.end();
      return;
    }
    let error =
      err instanceof HttpError
        ? err
        : (fromRouter(err) ?? fromBodyParser(err as BodyParserError) ?? fromDatabase(err, req, logger));
    if (!error) {
      logger.error('unhandled error', { request_id: req.id, method: req.method, path: req.path, err });
      error = new HttpError(500, 'internal_error', 'Internal server error');
    }
    if (res.headersSent) {
      res.end();
      return;
    }
    sendError(req, res, error);
  };
}
