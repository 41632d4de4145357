import express from 'express';

/**
 * Parses every request body as JSON whatever its Content-Type (so `curl -d '{…}'` works), and
 * accepts any JSON value: a valid body of the wrong shape is the schema's 422, not a 400.
 * Bodies over `limit` are refused with 413 before they are buffered whole.
 */
export function jsonBody(limit: string) {
  return express.json({ limit, strict: false, type: () => true });
}
