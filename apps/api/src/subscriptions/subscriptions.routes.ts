import { type Database, isUuid, type Subscription } from '@triggers/db';
import {
  createSubscription,
  deleteSubscription,
  findSubscription,
  type LifecycleSettings,
  listSubscriptions,
  rotateSubscriptionSecret,
  updateSubscription,
} from '@triggers/delivery';
import type { Logger } from '@triggers/logger';
import type { PgBoss } from '@triggers/queue';
import { type Request, Router } from 'express';
import type { Kysely } from 'kysely';
import { route } from '../http/route.js';
import { noStore } from '../http/security-headers.js';
import { validate } from '../http/validate.js';
import { decodeCursor, encodeCursor } from '../inbox/inbox.cursor.js';
import { subscriptionLimit, subscriptionNotFound } from './subscriptions.errors.js';
import { presentCreatedSubscription, presentSubscription } from './subscriptions.presenter.js';
import { createSubscriptionSchema, listSubscriptionsSchema, updateSubscriptionSchema } from './subscriptions.schema.js';

export interface SubscriptionsRoutesDeps {
  db: Kysely<Database>;
  boss: PgBoss;
  allowPrivate: boolean;
  settings: LifecycleSettings;
  logger: Logger;
}

/** The `:id` of the path, lower case, or a 404 for a malformed one. */
function subscriptionId(req: Request): string {
  const id = req.params.id;
  if (!isUuid(id)) throw subscriptionNotFound();
  return id.toLowerCase();
}

function found(subscription: Subscription | undefined): Subscription {
  if (!subscription) throw subscriptionNotFound();
  return subscription;
}

/** API.md, "Subscriptions": where an organization's events are pushed. */
export function subscriptionsRoutes(deps: SubscriptionsRoutesDeps): Router {
  const router = Router();
  const { db, boss, settings, logger } = deps;
  const createSchema = createSubscriptionSchema(deps.allowPrivate);
  const updateSchema = updateSubscriptionSchema(deps.allowPrivate);

  route(router, '/api/subscriptions', {
    post: [
      noStore, // the new subscription's signing secret
      async (req, res) => {
        const body = validate(createSchema, req.body);
        const result = await db.transaction().execute((trx) =>
          createSubscription(trx, res.locals.org.id, {
            targetUrl: body.target_url,
            eventTypes: body.event_types ?? [body.event as string],
            description: body.description ?? null,
          }),
        );
        if (result.kind === 'limit') throw subscriptionLimit();
        logger.info('subscription created', { org_id: res.locals.org.id, subscription_id: result.subscription.id });
        res.status(201).json(presentCreatedSubscription(result.subscription));
      },
    ],
    get: [
      async (req, res) => {
        const query = validate(listSubscriptionsSchema, req.query, 'query');
        const after = query.cursor === undefined ? undefined : decodeCursor(query.cursor);
        const rows = await listSubscriptions(db, res.locals.org.id, { after, limit: query.limit + 1 });
        const hasMore = rows.length > query.limit;
        const page = hasMore ? rows.slice(0, query.limit) : rows;
        const last = page.at(-1);
        res.json({
          subscriptions: page.map(presentSubscription),
          next_cursor: hasMore && last ? encodeCursor({ createdAt: last.created_at, id: last.id }) : null,
          has_more: hasMore,
        });
      },
    ],
  });

  route(router, '/api/subscriptions/:id', {
    get: [
      async (req, res) => {
        res.json(presentSubscription(found(await findSubscription(db, res.locals.org.id, subscriptionId(req)))));
      },
    ],
    patch: [
      async (req, res) => {
        const id = subscriptionId(req);
        const body = validate(updateSchema, req.body);
        const subscription = await db.transaction().execute((trx) =>
          updateSubscription(
            boss,
            trx,
            res.locals.org.id,
            id,
            {
              targetUrl: body.target_url,
              eventTypes: body.event_types,
              description: body.description,
              status: body.status,
            },
            settings,
          ),
        );
        const changed = found(subscription);
        logger.info('subscription changed', {
          org_id: res.locals.org.id,
          subscription_id: id,
          fields: Object.keys(body),
          status: changed.status,
        });
        res.json(presentSubscription(changed));
      },
    ],
    delete: [
      async (req, res) => {
        const id = subscriptionId(req);
        const deleted = await db.transaction().execute((trx) => deleteSubscription(boss, trx, res.locals.org.id, id));
        if (!deleted) throw subscriptionNotFound();
        logger.info('subscription deleted', { org_id: res.locals.org.id, subscription_id: id });
        res.status(204).end();
      },
    ],
  });

  route(router, '/api/subscriptions/:id/secret', {
    get: [
      noStore,
      async (req, res) => {
        const subscription = found(await findSubscription(db, res.locals.org.id, subscriptionId(req)));
        res.json({ secret: subscription.secret });
      },
    ],
  });

  route(router, '/api/subscriptions/:id/secret/rotate', {
    post: [
      noStore,
      async (req, res) => {
        const id = subscriptionId(req);
        const rotated = found(await db.transaction().execute((trx) => rotateSubscriptionSecret(trx, res.locals.org.id, id)));
        logger.info('subscription secret rotated', { org_id: res.locals.org.id, subscription_id: id });
        res.json({
          secret: rotated.secret,
          previous_secret_expires_at: rotated.previous_secret_expires_at?.toISOString() ?? null,
        });
      },
    ],
  });

  return router;
}
