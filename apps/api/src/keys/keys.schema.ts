import { TIERS, type Tier } from '@triggers/db';
import Joi from 'joi';
import { storableText } from '../http/storable-text.js';

export interface GenerateKeyBody {
  organization_name: string;
  tier: Tier;
}

/** `org_name` is accepted as an alias of `organization_name`. */
export const generateKeySchema = Joi.object<GenerateKeyBody>({
  organization_name: Joi.string().trim().min(1).max(255).custom(storableText).required(),
  tier: Joi.string()
    .valid(...TIERS)
    .default('free'),
})
  .rename('org_name', 'organization_name', { ignoreUndefined: true, override: false })
  .required();
