import Joi from 'joi';
import { storableText } from '../http/storable-text.js';
import { webhookUrlProblem } from './url-policy.js';

export interface WebhookConfigBody {
  /** null turns push delivery off. */
  webhook_url: string | null;
}

/**
 * A webhook target URL named `field` (webhook_url, target_url), by url-policy's rules; private
 * addresses pass only when `allowPrivate` (WEBHOOK_ALLOW_PRIVATE).
 */
export function targetUrlRule(field: string, allowPrivate: boolean) {
  return Joi.string()
    .trim()
    .custom(storableText)
    .custom((value: string, helpers) => {
      const problem = webhookUrlProblem(value, { allowPrivate });
      return problem === undefined ? value : helpers.message({ custom: `'${field}' ${problem}` });
    });
}

/** POST /api/webhook/config. */
export function webhookConfigSchema(allowPrivate: boolean) {
  return Joi.object<WebhookConfigBody>({
    webhook_url: targetUrlRule('webhook_url', allowPrivate).allow(null).required(),
  }).required();
}
