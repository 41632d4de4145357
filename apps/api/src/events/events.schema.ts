import { EVENT_STATUSES, type EventStatus, type JsonObject } from '@triggers/db';
import Joi from 'joi';
import { HttpError } from '../http/http-error.js';
import { storableText } from '../http/storable-text.js';

/** 256 KB: the most UTF-8 bytes an event's JSON-encoded payload may take. */
export const MAX_PAYLOAD_BYTES = 256 * 1024;
export const MAX_BATCH_EVENTS = 1000;
export const PAYLOAD_TOO_LARGE = 'Payload exceeds 256KB limit';

export interface EventInput {
  type: string;
  payload: JsonObject;
  dedup_id?: string;
}

export const eventSchema = Joi.object<EventInput>({
  type: Joi.string().min(1).max(255).custom(storableText).required(),
  payload: Joi.object().unknown(true).required(),
  dedup_id: Joi.string().min(1).max(255).custom(storableText),
}).required();

export const batchSchema = Joi.object<{ events: unknown[] }>({
  events: Joi.array().min(1).max(MAX_BATCH_EVENTS).required(),
}).required();

export const idempotencyKeySchema = Joi.string().min(1).max(255);

/** POST /api/events/:id/redeliver: an optional body naming one subscription. */
export const redeliverSchema = Joi.object<{ subscription_id?: string }>({
  subscription_id: Joi.string().guid(),
}).default({});

export interface ReplayBody {
  from: Date;
  to: Date;
  type?: string;
  status?: EventStatus;
  subscription_id?: string;
  /** Count the matching events, queue nothing: what the dashboard shows before a replay. */
  dry_run: boolean;
}

/** POST /api/events/replay: a time range [from, to), and optionally a type pattern, a status and a subscription. */
export const replaySchema = Joi.object<ReplayBody>({
  from: Joi.date().iso().required(),
  // After `from`: checked by replayRange, so that a missing `from` is not reported against `to` too.
  to: Joi.date().iso().required(),
  type: Joi.string().min(1).max(255).custom(storableText),
  status: Joi.string().valid(...EVENT_STATUSES),
  subscription_id: Joi.string().guid(),
  dry_run: Joi.boolean().strict().default(false),
}).required();

/** The replay body's range, or a 422 naming `to` when it does not end after `from`. */
export function replayRange(body: ReplayBody): { from: Date; to: Date } {
  if (body.to.getTime() <= body.from.getTime()) {
    throw HttpError.validation([{ field: 'to', message: "'to' must be after 'from'" }]);
  }
  return { from: body.from, to: body.to };
}
