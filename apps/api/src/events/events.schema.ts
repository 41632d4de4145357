import type { JsonObject } from '@triggers/db';
import Joi from 'joi';
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
