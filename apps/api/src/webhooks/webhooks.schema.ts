import Joi from 'joi';
import { storableText } from '../http/storable-text.js';
import { webhookUrlProblem } from './url-policy.js';

export interface WebhookConfigBody {
  /** null turns push delivery off. */
  webhook_url: string | null;
}

/** POST /api/webhook/config; private addresses pass only when `allowPrivate` (WEBHOOK_ALLOW_PRIVATE). */
export function webhookConfigSchema(allowPrivate: boolean) {
  return Joi.object<WebhookConfigBody>({
    webhook_url: Joi.string()
      .trim()
      .custom(storableText)
      .custom((value: string, helpers) => {
        const problem = webhookUrlProblem(value, { allowPrivate });
        return problem === undefined ? value : helpers.message({ custom: `'webhook_url' ${problem}` });
      })
      .allow(null)
      .required(),
  }).required();
}
