import type { Logger } from '@triggers/logger';
import type { ErrorRequestHandler } from 'express';
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
 * The one place errors become responses. Anything that is not an HttpError is logged with its
 * stack and answered with a bare 500: no detail of it reaches the caller.
 */
export function errorHandler(logger: Logger): ErrorRequestHandler {
  return (err, req, res, _next) => {
    let error = err instanceof HttpError ? err : (fromRouter(err) ?? fromBodyParser(err as BodyParserError));
    if (!error) {
      logger.error('unhandled error', { request_id: req.id, method: req.method, path: req.path, err });
      error = new HttpError(500, 'internal_error', 'Internal server error');
    }
    if (res.headersSent) {
      res.end();
      return;
    }
    for (const [name, value] of Object.entries(error.headers)) res.setHeader(name, value);
    res.status(error.status).json({ error: error.message, code: error.code, ...error.extra, request_id: req.id });
  };
}
