import { type Organization, TIER_LIMITS } from '@triggers/db';

/** GET /api/keys: the calling organization, without any secret; `webhookUrl` is its default subscription's. */
export function presentOrganization(org: Organization, webhookUrl: string | null) {
  return {
    organization_id: org.id,
    organization_name: org.name,
    tier: org.tier,
    rate_limit_per_minute: TIER_LIMITS[org.tier],
    webhook_url: webhookUrl,
    key_prefix: org.key_prefix,
    created_at: org.created_at.toISOString(),
    key_rotated_at: org.key_rotated_at?.toISOString() ?? null,
  };
}
