import { MAX_EVENT_TYPE_PATTERNS } from '@triggers/delivery';
import Joi from 'joi';
import { storableText } from '../http/storable-text.js';
import { targetUrlRule } from '../webhooks/webhooks.schema.js';

export const MAX_SUBSCRIPTION_PAGE = 100;

/** An event type, a `prefix.*` pattern or `*`: 1–255 characters. */
const pattern = Joi.string().min(1).max(255).custom(storableText);
const description = Joi.string().max(255).custom(storableText).allow(null, '');

export interface CreateSubscriptionBody {
  target_url: string;
  event_types?: string[];
  /** The Zapier REST Hooks form: one event type. */
  event?: string;
  description?: string | null;
}

/** POST /api/subscriptions: `event_types`, or REST Hooks' `event`, not both. */
export function createSubscriptionSchema(allowPrivate: boolean) {
  return Joi.object<CreateSubscriptionBody>({
    target_url: targetUrlRule('target_url', allowPrivate).required(),
    event_types: Joi.array().items(pattern).min(1).max(MAX_EVENT_TYPE_PATTERNS),
    event: pattern,
    description,
  })
    .xor('event_types', 'event')
    .required();
}

export interface UpdateSubscriptionBody {
  target_url?: string;
  event_types?: string[];
  description?: string | null;
  status?: 'active' | 'paused';
}

/** PATCH /api/subscriptions/:id: any of the fields, at least one. */
export function updateSubscriptionSchema(allowPrivate: boolean) {
  return Joi.object<UpdateSubscriptionBody>({
    target_url: targetUrlRule('target_url', allowPrivate),
    event_types: Joi.array().items(pattern).min(1).max(MAX_EVENT_TYPE_PATTERNS),
    description,
    status: Joi.string().valid('active', 'paused'),
  })
    .min(1)
    .required();
}

export interface ListSubscriptionsQuery {
  limit: number;
  cursor?: string;
}

export const listSubscriptionsSchema = Joi.object<ListSubscriptionsQuery>({
  limit: Joi.number().integer().min(1).max(MAX_SUBSCRIPTION_PAGE).default(MAX_SUBSCRIPTION_PAGE),
  cursor: Joi.string(),
})
  .unknown(false)
  .required();
