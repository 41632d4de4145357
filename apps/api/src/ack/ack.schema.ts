import Joi from 'joi';

export const MAX_ACK_IDS = 1000;

export interface AckBatchBody {
  event_ids: string[];
}

/**
 * POST /api/ack. Any strings are accepted as ids (malformed ones are reported as not found);
 * an empty list is a valid no-op.
 */
export const ackBatchSchema = Joi.object<AckBatchBody>({
  event_ids: Joi.array().items(Joi.string().allow('')).max(MAX_ACK_IDS).required(),
}).required();
