import type { Database, Subscription, SubscriptionUpdate } from '@triggers/db';
import type { PgBoss } from '@triggers/queue';
import { generateWebhookSecret } from '@triggers/webhooks';
import { sql, type Transaction } from 'kysely';
import { RESET_CIRCUIT } from '../circuit/circuits.js';
import { cancelSubscriptionDeliveries } from '../lifecycle/cancel.js';
import { queueUnqueuedDeliveries } from '../lifecycle/unqueued.js';
import { MATCH_ALL } from '../matching.js';
import {
  countSubscriptions,
  deleteSubscriptionRow,
  findDefaultSubscription,
  findSubscription,
  insertSubscription,
  lockOrganization,
  updateSubscriptionRow,
} from './subscriptions.repository.js';

/** API.md: an organization may have up to 100 subscriptions. */
export const MAX_SUBSCRIPTIONS_PER_ORG = 100;
/** How long the worker keeps signing with the previous secret after a rotation. */
export const PREVIOUS_SECRET_HOURS = 24;

type Trx = Transaction<Database>;

export interface SubscriptionInput {
  targetUrl: string;
  eventTypes: string[];
  description: string | null;
}

export type CreateResult = { kind: 'created'; subscription: Subscription } | { kind: 'limit' };

/** A new active subscription with a fresh secret, unless the organization has 100 already. */
export async function createSubscription(trx: Trx, orgId: string, input: SubscriptionInput): Promise<CreateResult> {
  await lockOrganization(trx, orgId);
  if ((await countSubscriptions(trx, orgId)) >= MAX_SUBSCRIPTIONS_PER_ORG) return { kind: 'limit' };
  const subscription = await insertSubscription(trx, {
    org_id: orgId,
    target_url: input.targetUrl,
    event_types: input.eventTypes,
    description: input.description,
    secret: generateWebhookSecret(),
  });
  return { kind: 'created', subscription };
}

export interface SubscriptionChanges {
  targetUrl?: string;
  eventTypes?: string[];
  description?: string | null;
  status?: 'active' | 'paused';
}

export interface LifecycleSettings {
  /** WEBHOOK_MAX_ATTEMPTS: the attempts of a round, for deliveries queued again on resume. */
  maxAttempts: number;
}

/**
 * Changes a subscription. `paused` holds its deliveries (they wait with no job); `active` queues
 * what it held and, on a disabled one, enables it again (its failing streak forgotten).
 * Resolves to the subscription, or undefined when the organization has none with this id.
 */
export async function updateSubscription(
  boss: PgBoss,
  trx: Trx,
  orgId: string,
  id: string,
  changes: SubscriptionChanges,
  settings: LifecycleSettings,
): Promise<Subscription | undefined> {
  const update: SubscriptionUpdate = {};
  if (changes.targetUrl !== undefined) Object.assign(update, { target_url: changes.targetUrl }, RESET_CIRCUIT);
  if (changes.eventTypes !== undefined) update.event_types = changes.eventTypes;
  if (changes.description !== undefined) update.description = changes.description;
  if (changes.status !== undefined) {
    update.status = changes.status;
    update.disabled_reason = null;
    update.disabled_at = null;
    update.failing_since = null;
    Object.assign(update, RESET_CIRCUIT);
  }
  const subscription = await updateSubscriptionRow(trx, orgId, id, update);
  if (subscription?.status === 'active') {
    await queueUnqueuedDeliveries(boss, trx, { maxAttempts: settings.maxAttempts, subscriptionId: subscription.id });
  }
  return subscription;
}

/** Deletes a subscription (REST Hooks unsubscribe); its pending deliveries are cancelled. False when there is none. */
export async function deleteSubscription(boss: PgBoss, trx: Trx, orgId: string, id: string): Promise<boolean> {
  if (!(await findSubscription(trx, orgId, id))) return false;
  await cancelSubscriptionDeliveries(boss, trx, id);
  return (await deleteSubscriptionRow(trx, orgId, id)) !== undefined;
}

/** A new secret; the current one stays valid for the worker for 24 hours (a second rotation drops the first's). */
export function rotateSubscriptionSecret(trx: Trx, orgId: string, id: string): Promise<Subscription | undefined> {
  return trx
    .updateTable('subscriptions')
    .set({
      secret: generateWebhookSecret(),
      previous_secret: sql<string>`secret`,
      previous_secret_expires_at: sql<Date>`date_trunc('milliseconds', now()) + make_interval(hours => ${PREVIOUS_SECRET_HOURS})`,
      updated_at: sql<Date>`date_trunc('milliseconds', now())`,
    })
    .where('org_id', '=', orgId)
    .where('id', '=', id)
    .returningAll()
    .executeTakeFirst();
}

// The default subscription: what v1's /api/webhook/config manages.

/**
 * Sets the default subscription's URL: creates it (`["*"]`, a fresh secret) or changes its URL,
 * enabling it again if it was disabled; its secret is kept. Concurrent first configurations take
 * the organization's lock in turn, so they agree on one subscription and one secret.
 */
export async function setDefaultSubscriptionUrl(
  boss: PgBoss,
  trx: Trx,
  orgId: string,
  url: string,
  settings: LifecycleSettings,
): Promise<CreateResult> {
  await lockOrganization(trx, orgId);
  const current = await findDefaultSubscription(trx, orgId);
  if (!current) {
    if ((await countSubscriptions(trx, orgId)) >= MAX_SUBSCRIPTIONS_PER_ORG) return { kind: 'limit' };
    const subscription = await insertSubscription(trx, {
      org_id: orgId,
      target_url: url,
      event_types: [MATCH_ALL],
      is_default: true,
      secret: generateWebhookSecret(),
    });
    return { kind: 'created', subscription };
  }
  const changes: SubscriptionChanges = { targetUrl: url, ...(current.status === 'disabled' && { status: 'active' as const }) };
  const subscription = await updateSubscription(boss, trx, orgId, current.id, changes, settings);
  return { kind: 'created', subscription: subscription as Subscription };
}

/** `{"webhook_url": null}`: deletes the default subscription (its pending deliveries are cancelled). */
export async function deleteDefaultSubscription(boss: PgBoss, trx: Trx, orgId: string): Promise<void> {
  await lockOrganization(trx, orgId);
  const current = await findDefaultSubscription(trx, orgId);
  if (current) await deleteSubscription(boss, trx, orgId, current.id);
}
