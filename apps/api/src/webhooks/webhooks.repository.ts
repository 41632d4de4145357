import type { Db, Organization } from '@triggers/db';
import { sql } from 'kysely';

/** How long the worker keeps signing with the previous secret after a rotation. */
export const PREVIOUS_SECRET_HOURS = 24;

/**
 * Sets (or, with null, clears) the webhook URL. The signing secret is created by the first
 * configuration, `newSecret`, and kept by every later one: in one statement, so concurrent
 * first configurations agree on one secret.
 */
export function setWebhookUrl(db: Db, orgId: string, url: string | null, newSecret: string): Promise<Organization> {
  return db
    .updateTable('organizations')
    .set({
      webhook_url: url,
      webhook_secret: sql<string>`coalesce(webhook_secret, ${newSecret})`,
      updated_at: new Date(),
    })
    .where('id', '=', orgId)
    .returningAll()
    .executeTakeFirstOrThrow();
}

/**
 * Replaces the signing secret with `newSecret`; the old one stays valid for the worker for
 * 24 hours. With no secret yet, it just creates one (no previous secret, no expiry).
 * A second rotation within the 24 hours drops the first rotation's previous secret.
 */
export function rotateWebhookSecret(db: Db, orgId: string, newSecret: string): Promise<Organization> {
  return db
    .updateTable('organizations')
    .set({
      webhook_secret: newSecret,
      previous_webhook_secret: sql<string | null>`webhook_secret`,
      previous_secret_expires_at: sql<Date | null>`CASE WHEN webhook_secret IS NULL THEN NULL
        ELSE now() + make_interval(hours => ${PREVIOUS_SECRET_HOURS}) END`,
      updated_at: new Date(),
    })
    .where('id', '=', orgId)
    .returningAll()
    .executeTakeFirstOrThrow();
}
