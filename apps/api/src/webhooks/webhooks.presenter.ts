import type { Organization } from '@triggers/db';

/** POST and GET /api/webhook/config. Both are null for an organization that never configured one. */
export function presentWebhookConfig(org: Organization) {
  return { success: true, webhook_url: org.webhook_url, webhook_secret: org.webhook_secret };
}

/** POST /api/webhook/secret/rotate. */
export function presentRotatedSecret(org: Organization) {
  return {
    webhook_secret: org.webhook_secret,
    previous_secret_expires_at: org.previous_secret_expires_at?.toISOString() ?? null,
  };
}
