import type { Database } from '@triggers/db';
import {
  deleteDefaultSubscription,
  findDefaultSubscription,
  type LifecycleSettings,
  rotateSubscriptionSecret,
  setDefaultSubscriptionUrl,
} from '@triggers/delivery';
import type { Logger } from '@triggers/logger';
import type { PgBoss } from '@triggers/queue';
import { Router } from 'express';
import type { Kysely } from 'kysely';
import { HttpError } from '../http/http-error.js';
import { route } from '../http/route.js';
import { noStore } from '../http/security-headers.js';
import { validate } from '../http/validate.js';
import { subscriptionLimit } from '../subscriptions/subscriptions.errors.js';
import { presentRotatedSecret, presentWebhookConfig } from './webhooks.presenter.js';
import { webhookConfigSchema } from './webhooks.schema.js';

export interface WebhooksRoutesDeps {
  db: Kysely<Database>;
  boss: PgBoss;
  /** WEBHOOK_ALLOW_PRIVATE: accept loopback/private/link-local addresses (development only). */
  allowPrivate: boolean;
  settings: LifecycleSettings;
  logger: Logger;
}

/**
 * v1's webhook, kept with its v1 bodies: the organization's default subscription (`["*"]`).
 * A URL creates it or changes its URL (enabling it again if it was disabled); null deletes it.
 */
export function webhooksRoutes(deps: WebhooksRoutesDeps): Router {
  const router = Router();
  const configSchema = webhookConfigSchema(deps.allowPrivate);

  route(router, '/api/webhook/config', {
    get: [
      noStore,
      async (_req, res) => {
        res.json(presentWebhookConfig(await findDefaultSubscription(deps.db, res.locals.org.id)));
      },
    ],
    post: [
      noStore,
      async (req, res) => {
        const body = validate(configSchema, req.body);
        const orgId = res.locals.org.id;
        const subscription = await deps.db.transaction().execute(async (trx) => {
          if (body.webhook_url === null) {
            await deleteDefaultSubscription(deps.boss, trx, orgId);
            return undefined;
          }
          const result = await setDefaultSubscriptionUrl(deps.boss, trx, orgId, body.webhook_url, deps.settings);
          if (result.kind === 'limit') throw subscriptionLimit();
          return result.subscription;
        });
        deps.logger.info(subscription ? 'default subscription set' : 'default subscription deleted', {
          org_id: orgId,
          subscription_id: subscription?.id,
        });
        res.json(presentWebhookConfig(subscription));
      },
    ],
  });

  route(router, '/api/webhook/secret/rotate', {
    post: [
      noStore,
      async (_req, res) => {
        const orgId = res.locals.org.id;
        const rotated = await deps.db.transaction().execute(async (trx) => {
          const current = await findDefaultSubscription(trx, orgId);
          return current ? rotateSubscriptionSecret(trx, orgId, current.id) : undefined;
        });
        if (!rotated) throw new HttpError(409, 'webhook_not_configured', 'No webhook is configured for this organization');
        deps.logger.info('webhook secret rotated', { org_id: orgId, subscription_id: rotated.id });
        res.json(presentRotatedSecret(rotated));
      },
    ],
  });

  return router;
}
