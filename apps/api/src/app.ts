import type { Config } from '@triggers/config';
import type { Database } from '@triggers/db';
import { databaseAnswers, uuidv7 } from '@triggers/db';
import type { Logger } from '@triggers/logger';
import type { PgBoss } from '@triggers/queue';
import express from 'express';
import type { Kysely } from 'kysely';
import type pg from 'pg';
import { ackRoutes } from './ack/ack.routes.js';
import { authenticate } from './auth/authenticate.js';
import { KeyVerifier } from './auth/key-verifier.js';
import { docsRoutes } from './docs/docs.routes.js';
import { EventIngestor } from './events/event-ingestor.js';
import { eventsRoutes } from './events/events.routes.js';
import { PAYLOAD_TOO_LARGE } from './events/events.schema.js';
import { healthRoutes } from './health/health.routes.js';
import { errorHandler } from './http/error-handler.js';
import { jsonBody } from './http/json-body.js';
import { notFound } from './http/not-found.js';
import { requestId } from './http/request-id.js';
import { logRequests } from './http/request-log.js';
import { requestTimeout } from './http/request-timeout.js';
import { inboxRoutes } from './inbox/inbox.routes.js';
import { keysRoutes, signupRoutes } from './keys/keys.routes.js';
import { leasesRoutes } from './leases/leases.routes.js';
import { ApiMetrics } from './metrics/api-metrics.js';
import { observeRequests } from './metrics/metrics.middleware.js';
import { metricsRoutes } from './metrics/metrics.routes.js';
import { RateBudgets } from './rate-limit/rate-budgets.js';
import { countEvents, countRequest, eventsCountedByRoute } from './rate-limit/rate-limit.middleware.js';
import { subscriptionsRoutes } from './subscriptions/subscriptions.routes.js';
import { webhooksRoutes } from './webhooks/webhooks.routes.js';

const MAX_BATCH_BODY = '16mb';

export interface AppDeps {
  db: Kysely<Database>;
  pool: pg.Pool;
  boss: PgBoss;
  config: Config;
  logger: Logger;
  /** Collect Node's default process metrics (off in tests that build many apps). */
  defaultMetrics?: boolean;
  /** The clock of the rate-limit windows, in ms (tests set it; default Date.now). */
  now?: () => number;
}

/** The whole HTTP API, built from its dependencies; `main.ts` connects them and listens. */
export function createApp(deps: AppDeps): express.Express {
  const { db, boss, config, logger } = deps;
  const metrics = new ApiMetrics(deps.pool, { defaultMetrics: deps.defaultMetrics, checkDatabase: () => databaseAnswers(db) });
  const budgets = new RateBudgets(db, { onLimited: () => metrics.rateLimited.inc(), now: deps.now });
  const verifier = new KeyVerifier(db);
  const ingestor = new EventIngestor({ db, boss, dedupWindowSeconds: config.dedupWindowSeconds, newId: uuidv7 });

  const app = express();
  app.disable('x-powered-by');
  app.disable('etag');
  app.set('query parser', 'simple');

  app.use(requestId);
  app.use(requestTimeout(config.requestTimeoutMs));
  app.use(logRequests(logger));
  app.use(observeRequests(metrics));
  app.use(healthRoutes(db));
  app.use(metricsRoutes(metrics));
  app.use(docsRoutes());

  app.use('/api/keys/generate', jsonBody('64kb'));
  app.use(signupRoutes(db, config.adminToken));

  // Everything else under /api needs the caller's key and counts against one of its two
  // rate-limit budgets (API.md, "Tiers and rate limits"): ingest against events (one event
  // here, a batch's N in its route), key management against requests but never refused,
  // every other request one against requests.
  app.use('/api', authenticate(verifier));
  app.post('/api/events', countEvents(budgets, 1));
  app.post('/api/events/batch', eventsCountedByRoute(budgets));
  app.post('/api/events/replay', eventsCountedByRoute(budgets));
  app.get('/api/keys', countRequest(budgets, { refuse: false }));
  app.post('/api/keys/rotate', countRequest(budgets, { refuse: false }));
  app.use('/api', countRequest(budgets));
  // A batch body is bounded too (16 MB: 1,000 events of 16 KB), so that one request cannot
  // take the process's heap (the API runs with --max-old-space-size=128).
  app.use('/api/events/batch', jsonBody(MAX_BATCH_BODY));
  // A body too large for one event is, to its sender, a payload over the contract's limit.
  app.post('/api/events', jsonBody('2mb', PAYLOAD_TOO_LARGE));
  app.use('/api', jsonBody('2mb'));
  app.use(keysRoutes(db, logger));
  const lifecycle = { maxAttempts: config.webhookMaxAttempts };
  app.use(webhooksRoutes({ db, boss, allowPrivate: config.webhookAllowPrivate, settings: lifecycle, logger }));
  app.use(subscriptionsRoutes({ db, boss, allowPrivate: config.webhookAllowPrivate, settings: lifecycle, logger }));
  app.use(inboxRoutes(db));
  app.use(leasesRoutes(db));
  app.use(ackRoutes(db, boss));
  app.use(eventsRoutes({ db, boss, ingestor, budgets, metrics, dedupWindowSeconds: config.dedupWindowSeconds }));

  app.use(notFound);
  app.use(errorHandler(logger));
  return app;
}
