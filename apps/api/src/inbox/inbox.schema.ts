import type { EventStatus } from '@triggers/db';
import Joi from 'joi';
import { storableText } from '../http/storable-text.js';

export const MAX_INBOX_LIMIT = 1000;
export const DEFAULT_INBOX_LIMIT = 100;

export interface InboxQuery {
  /** Absent: pending and failed (not yet delivered or acknowledged). */
  status?: EventStatus;
  /** An event type or a `prefix.*` pattern. */
  type?: string;
  limit: number;
  cursor?: string;
}

/** GET /api/inbox's query string; any other parameter is a 422. */
export const inboxQuerySchema = Joi.object<InboxQuery>({
  status: Joi.string().valid('pending', 'delivered', 'failed'),
  type: Joi.string().min(1).max(255).custom(storableText),
  limit: Joi.number().integer().min(1).max(MAX_INBOX_LIMIT).default(DEFAULT_INBOX_LIMIT),
  cursor: Joi.string(),
})
  .unknown(false)
  .required();
