import { MAX_SUBSCRIPTIONS_PER_ORG } from '@triggers/delivery';
import { HttpError } from '../http/http-error.js';

/** The 101st subscription (API.md: 409 subscription_limit). */
export function subscriptionLimit(): HttpError {
  return new HttpError(409, 'subscription_limit', `An organization may have at most ${MAX_SUBSCRIPTIONS_PER_ORG} subscriptions`);
}

/** Unknown, malformed or another organization's subscription id. */
export function subscriptionNotFound(): HttpError {
  return new HttpError(404, 'not_found', 'Subscription not found');
}
