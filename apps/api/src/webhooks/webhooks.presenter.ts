import type { Subscription } from '@triggers/db';

/** The default subscription as v1 saw its webhook: none, or a disabled one, shows as nulls. */
export function presentWebhookConfig(subscription: Subscription | undefined) {
  const live = subscription && subscription.status !== 'disabled' ? subscription : undefined;
  return { success: true, webhook_url: live?.target_url ?? null, webhook_secret: live?.secret ?? null };
}

/** POST /api/webhook/secret/rotate. */
export function presentRotatedSecret(subscription: Subscription) {
  return {
    webhook_secret: subscription.secret,
    previous_secret_expires_at: subscription.previous_secret_expires_at?.toISOString() ?? null,
  };
}
