import type { Db } from '@triggers/db';
import type { Logger } from '@triggers/logger';
import { generateWebhookSecret } from '@triggers/webhooks';
import { Router } from 'express';
import { route } from '../http/route.js';
import { noStore } from '../http/security-headers.js';
import { validate } from '../http/validate.js';
import { presentRotatedSecret, presentWebhookConfig } from './webhooks.presenter.js';
import { rotateWebhookSecret, setWebhookUrl } from './webhooks.repository.js';
import { webhookConfigSchema } from './webhooks.schema.js';

export interface WebhooksRoutesDeps {
  db: Db;
  /** WEBHOOK_ALLOW_PRIVATE: accept loopback/private/link-local addresses (development only). */
  allowPrivate: boolean;
  logger: Logger;
}

export function webhooksRoutes(deps: WebhooksRoutesDeps): Router {
  const router = Router();
  const configSchema = webhookConfigSchema(deps.allowPrivate);

  route(router, '/api/webhook/config', {
    // res.locals.org is read on every request by authentication, so it is current here.
    get: [noStore, (_req, res) => void res.json(presentWebhookConfig(res.locals.org))],
    post: [
      noStore,
      async (req, res) => {
        const body = validate(configSchema, req.body);
        const org = await setWebhookUrl(deps.db, res.locals.org.id, body.webhook_url, generateWebhookSecret());
        res.locals.org = org;
        res.json(presentWebhookConfig(org));
      },
    ],
  });

  route(router, '/api/webhook/secret/rotate', {
    post: [
      noStore,
      async (_req, res) => {
        const org = await rotateWebhookSecret(deps.db, res.locals.org.id, generateWebhookSecret());
        deps.logger.info('webhook secret rotated', { org_id: org.id });
        res.locals.org = org;
        res.json(presentRotatedSecret(org));
      },
    ],
  });

  return router;
}
