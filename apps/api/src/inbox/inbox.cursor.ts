import { isUuid } from '@triggers/db';
import { HttpError } from '../http/http-error.js';

/** A position in the inbox: the last event of a page, by (created_at, id). */
export interface InboxPosition {
  createdAt: Date;
  id: string;
}

const ISO_MS = /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/;
const BASE64URL = /^[A-Za-z0-9_-]{1,200}$/;

/** An opaque cursor: base64url of `[created_at, id]`. events.created_at has millisecond precision, so it is exact. */
export function encodeCursor(position: InboxPosition): string {
  return Buffer.from(JSON.stringify([position.createdAt.toISOString(), position.id])).toString('base64url');
}

const badCursor = () => HttpError.validation([{ field: 'cursor', message: "'cursor' is not a cursor this API returned" }]);

/** The position a cursor names, or a 422 naming `cursor`. */
export function decodeCursor(cursor: string): InboxPosition {
  if (!BASE64URL.test(cursor)) throw badCursor();
  let parsed: unknown;
  try {
    parsed = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8'));
  } catch {
    throw badCursor();
  }
  if (!Array.isArray(parsed) || parsed.length !== 2) throw badCursor();
  const [createdAt, id] = parsed as unknown[];
  if (typeof createdAt !== 'string' || !ISO_MS.test(createdAt) || !isUuid(id)) throw badCursor();
  const date = new Date(createdAt);
  if (Number.isNaN(date.getTime()) || date.toISOString() !== createdAt) throw badCursor();
  return { createdAt: date, id: id.toLowerCase() };
}
