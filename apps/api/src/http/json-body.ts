import express, { type RequestHandler } from 'express';
import { HttpError } from './http-error.js';

/**
 * Parses every request body as JSON whatever its Content-Type (so `curl -d '{…}'` works), and
 * accepts any JSON value: a valid body of the wrong shape is the schema's 422, not a 400.
 * A request with no body at all reads as `{}`, so its 422 names the missing fields.
 * Bodies over `limit` are refused with 413 `payload_too_large` and `tooLargeMessage` before
 * they are buffered whole.
 */
export function jsonBody(limit: string, tooLargeMessage = 'Request body is too large'): RequestHandler {
  const parse = express.json({ limit, strict: false, type: () => true });
  return (req, res, next) => {
    parse(req, res, (error?: unknown) => {
      if ((error as { type?: string } | undefined)?.type === 'entity.too.large') {
        next(new HttpError(413, 'payload_too_large', tooLargeMessage));
        return;
      }
      if (error === undefined && req.body === undefined) req.body = {};
      next(error);
    });
  };
}
