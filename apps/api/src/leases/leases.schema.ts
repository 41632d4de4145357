import Joi from 'joi';
import { storableText } from '../http/storable-text.js';

export const MAX_LEASE_LIMIT = 1000;
export const DEFAULT_LEASE_LIMIT = 100;
/** 12 hours, as SQS's visibility timeout. */
export const MAX_VISIBILITY_SECONDS = 43_200;
export const DEFAULT_VISIBILITY_SECONDS = 30;

// Numbers must be JSON numbers: "30" is refused, not converted.
const visibilitySeconds = Joi.number().strict().integer().min(1).max(MAX_VISIBILITY_SECONDS).default(DEFAULT_VISIBILITY_SECONDS);

export interface LeaseBody {
  limit: number;
  visibility_seconds: number;
  /** An event type or a `prefix.*` pattern. */
  type?: string;
}

/** POST /api/inbox/lease. */
export const leaseBodySchema = Joi.object<LeaseBody>({
  limit: Joi.number().strict().integer().min(1).max(MAX_LEASE_LIMIT).default(DEFAULT_LEASE_LIMIT),
  visibility_seconds: visibilitySeconds,
  type: Joi.string().min(1).max(255).custom(storableText),
}).required();

export interface ExtendBody {
  visibility_seconds: number;
}

/** POST /api/inbox/lease/:lease_id/extend. */
export const extendBodySchema = Joi.object<ExtendBody>({ visibility_seconds: visibilitySeconds }).required();
