import type { Db } from '@triggers/db';
import { type Response, Router } from 'express';
import { HttpError } from '../http/http-error.js';
import { methodNotAllowed } from '../http/not-found.js';
import { route } from '../http/route.js';
import { statsRoutes } from '../stats/stats.routes.js';
import { type DashboardAssets, loadDashboardAssets } from './dashboard.assets.js';
import { DASHBOARD_CSP, dashboardPage } from './dashboard.page.js';

const ASSETS = '/dashboard/assets';

function secure(res: Response): void {
  res.setHeader('Content-Security-Policy', DASHBOARD_CSP);
  res.setHeader('X-Frame-Options', 'DENY');
  res.setHeader('Referrer-Policy', 'no-referrer');
  res.setHeader('X-Content-Type-Options', 'nosniff');
}

/**
 * GET /dashboard: the organization dashboard, static files served by the API itself (no CDN),
 * which signs in with an API key and then uses the public API only; and GET /api/stats, the
 * aggregate its overview draws.
 */
export function dashboardRoutes(db: Db): Router {
  const router = Router();
  let assets: DashboardAssets | undefined;
  const load = () => {
    assets ??= loadDashboardAssets();
    if (!assets) throw new HttpError(503, 'dashboard_not_built', 'The dashboard has not been built: run npm run build');
    return assets;
  };

  route(router, '/dashboard', {
    get: [
      (_req, res) => {
        const { version } = load();
        secure(res);
        // The shell is tiny and names the current asset version: always fetched fresh.
        res.setHeader('Cache-Control', 'no-cache');
        res.type('html').send(dashboardPage(`${ASSETS}/${version}`));
      },
    ],
  });

  // /dashboard/assets/<version>/<file>: immutable, since a new build gets a new version.
  router.use(ASSETS, (req, res, next) => {
    if (req.method !== 'GET' && req.method !== 'HEAD') {
      methodNotAllowed(['GET', 'HEAD'])(req, res, next);
      return;
    }
    const { version, files } = load();
    const [, given, ...rest] = req.path.split('/');
    const asset = given === version ? files.get(rest.join('/')) : undefined;
    if (!asset) {
      next();
      return;
    }
    secure(res);
    res.setHeader('Cache-Control', 'public, max-age=31536000, immutable');
    res.setHeader('ETag', asset.etag);
    if (req.get('if-none-match') === asset.etag) {
      res.status(304).end();
      return;
    }
    res.type(asset.type).send(asset.body);
  });

  router.use(statsRoutes(db));
  return router;
}
