import { timingSafeEqual } from 'node:crypto';
import { type Db, TIER_LIMITS } from '@triggers/db';
import { findDefaultSubscription } from '@triggers/delivery';
import type { Logger } from '@triggers/logger';
import { type Request, type RequestHandler, Router } from 'express';
import { generateApiKey } from '../auth/api-key.js';
import { HttpError } from '../http/http-error.js';
import { route } from '../http/route.js';
import { noStore } from '../http/security-headers.js';
import { validate } from '../http/validate.js';
import { presentOrganization } from './keys.presenter.js';
import { generateKeySchema } from './keys.schema.js';
import { insertOrganization, updateOrganization } from './organizations.repository.js';

function sameSecret(a: string, b: string): boolean {
  const x = Buffer.from(a);
  const y = Buffer.from(b);
  return x.length === y.length && timingSafeEqual(x, y);
}

/** With ADMIN_TOKEN set, sign-up needs `Authorization: Bearer <ADMIN_TOKEN>`. */
function requireAdmin(adminToken: string | undefined): RequestHandler {
  return (req: Request, _res, next) => {
    if (adminToken === undefined) return next();
    const match = /^Bearer\s+(.+)$/i.exec(req.get('authorization')?.trim() ?? '');
    if (!match) throw new HttpError(401, 'missing_admin_token', 'Missing admin token');
    if (!sameSecret((match[1] as string).trim(), adminToken))
      throw new HttpError(401, 'invalid_admin_token', 'Invalid admin token');
    next();
  };
}

/** POST /api/keys/generate: open (or admin-only) sign-up; the rest need the caller's key. */
export function signupRoutes(db: Db, adminToken: string | undefined): Router {
  const router = Router();
  route(router, '/api/keys/generate', {
    post: [
      noStore,
      requireAdmin(adminToken),
      async (req, res) => {
        const body = validate(generateKeySchema, req.body);
        const key = await generateApiKey();
        const org = await insertOrganization(db, {
          name: body.organization_name,
          tier: body.tier,
          key_prefix: key.prefix,
          key_hash: key.hash,
        });
        res.status(201).json({
          organization_id: org.id,
          organization_name: org.name,
          api_key: key.key,
          tier: org.tier,
          rate_limit_per_minute: TIER_LIMITS[org.tier],
          created_at: org.created_at.toISOString(),
        });
      },
    ],
  });
  return router;
}

export function keysRoutes(db: Db, logger: Logger): Router {
  const router = Router();
  route(router, '/api/keys', {
    get: [
      async (_req, res) => {
        const subscription = await findDefaultSubscription(db, res.locals.org.id);
        const webhookUrl = subscription && subscription.status !== 'disabled' ? subscription.target_url : null;
        res.json(presentOrganization(res.locals.org, webhookUrl));
      },
    ],
  });
  route(router, '/api/keys/rotate', {
    post: [
      noStore,
      async (_req, res) => {
        const key = await generateApiKey();
        const org = await updateOrganization(db, res.locals.org.id, {
          key_prefix: key.prefix,
          key_hash: key.hash,
          key_rotated_at: new Date(),
        });
        logger.info('api key rotated', { org_id: org.id, key_prefix: org.key_prefix });
        res.json({
          organization_id: org.id,
          api_key: key.key,
          key_prefix: org.key_prefix,
          rotated_at: (org.key_rotated_at as Date).toISOString(),
        });
      },
    ],
  });
  return router;
}
