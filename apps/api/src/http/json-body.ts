import express, { type RequestHandler } from 'express';
import { type MemoryBudget, reserveForRequest } from '../memory/budget.js';
import { type BodyLimit, bodyHeapCost } from '../memory/limits.js';
import { HttpError } from './http-error.js';
import { MAX_JSON_DEPTH, tooDeep } from './json-depth.js';
import { scanJson } from './json-scan.js';

export interface JsonBodyOptions {
  limit: BodyLimit;
  /** The message of the 413 for a body over the limit. */
  tooLargeMessage?: string;
  /**
   * Refuse bodies nested deeper than MAX_JSON_DEPTH with 422 (field `body`). Off for the event
   * routes, which check each payload's depth themselves (so that in a batch only the event
   * nested too deep is refused); the value limit bounds what a deep body costs.
   */
  checkDepth?: boolean;
}

const CHARSET = /;\s*charset\s*=\s*"?([^";\s]*)/i;

/**
 * Reads a request body as JSON whatever its Content-Type (so `curl -d '{…}'` works), and accepts
 * any JSON value: a valid body of the wrong shape is the schema's 422, not a 400. A request with
 * no body reads as `{}`, so its 422 names the missing fields.
 *
 * The body is bounded before it is parsed: over `limit.bytes` (counted while it arrives, before it
 * is buffered whole) or holding more than `limit.values` JSON values (counted by a scan of the raw
 * bytes), it is refused with 413 `payload_too_large`. Its heap is then reserved from `budget` for
 * as long as the request runs, its handler included (memory/limits.ts), and only then is it
 * decoded and parsed.
 */
export function jsonBody(budget: MemoryBudget, options: JsonBodyOptions): RequestHandler {
  const { limit, tooLargeMessage = 'Request body is too large', checkDepth = true } = options;
  const read = express.raw({ limit: limit.bytes, type: () => true });
  return (req, res, next) => {
    const charset = CHARSET.exec(req.get('content-type') ?? '')?.[1]?.toLowerCase();
    if (charset !== undefined && charset !== 'utf-8' && charset !== 'utf8') {
      next(new HttpError(415, 'unsupported_encoding', 'A JSON body must be UTF-8'));
      return;
    }
    read(req, res, (error?: unknown) => {
      if ((error as { type?: string } | undefined)?.type === 'entity.too.large') {
        next(new HttpError(413, 'payload_too_large', tooLargeMessage));
        return;
      }
      if (error !== undefined) {
        next(error);
        return;
      }
      const raw: unknown = req.body;
      if (!Buffer.isBuffer(raw)) {
        // No body at all, or one an earlier parser on this path has read already.
        req.body ??= {};
        next();
        return;
      }
      req.body = undefined;
      const shape = scanJson(raw, limit.values);
      if (shape.values > limit.values) {
        next(new HttpError(413, 'payload_too_large', tooLargeMessage));
        return;
      }
      if (checkDepth && shape.depth > MAX_JSON_DEPTH) {
        next(tooDeep('body'));
        return;
      }
      reserveForRequest(budget, res, bodyHeapCost(raw.length, shape.values)).then(() => {
        const bom = raw[0] === 0xef && raw[1] === 0xbb && raw[2] === 0xbf ? 3 : 0;
        if (raw.length === bom) {
          req.body = {};
          next();
          return;
        }
        try {
          req.body = JSON.parse(raw.toString('utf8', bom));
        } catch {
          next(new HttpError(400, 'invalid_json', 'Request body is not valid JSON'));
          return;
        }
        next();
      }, next);
    });
  };
}
