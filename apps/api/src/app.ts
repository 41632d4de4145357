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
import { dashboardRoutes } from './dashboard/dashboard.routes.js';
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
import { noSniff } from './http/security-headers.js';
import { inboxRoutes } from './inbox/inbox.routes.js';
import { keysRoutes, signupRoutes } from './keys/keys.routes.js';
import { leasesRoutes } from './leases/leases.routes.js';
import { MemoryBudget } from './memory/budget.js';
import { BATCH_BODY, EVENT_BODY, HEAP_WAIT_MS, IN_FLIGHT_HEAP_BYTES, OTHER_BODY, SIGNUP_BODY } from './memory/limits.js';
import { ApiMetrics } from './metrics/api-metrics.js';
import { observeRequests } from './metrics/metrics.middleware.js';
import { metricsRoutes } from './metrics/metrics.routes.js';
import { RateBudgets } from './rate-limit/rate-budgets.js';
import { countEvents, countRequest, eventsCountedByRoute } from './rate-limit/rate-limit.middleware.js';
import { subscriptionsRoutes } from './subscriptions/subscriptions.routes.js';
import { webhooksRoutes } from './webhooks/webhooks.routes.js';

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
  /** The heap budget for request bodies and event pages (memory/limits.ts); tests pass a small one. */
  memoryBudget?: MemoryBudget;
}

/** The whole HTTP API, built from its dependencies; `main.ts` connects them and listens. */
export function createApp(deps: AppDeps): express.Express {
  const { db, boss, config, logger } = deps;
  const metrics = new ApiMetrics(deps.pool, { defaultMetrics: deps.defaultMetrics, checkDatabase: () => databaseAnswers(db) });
  const budgets = new RateBudgets(db, { onLimited: () => metrics.rateLimited.inc(), now: deps.now });
  const verifier = new KeyVerifier(db);
  const ingestor = new EventIngestor({ db, boss, dedupWindowSeconds: config.dedupWindowSeconds, newId: uuidv7 });
  const memory = deps.memoryBudget ?? new MemoryBudget(IN_FLIGHT_HEAP_BYTES, HEAP_WAIT_MS);

  const app = express();
  app.disable('x-powered-by');
  app.disable('etag');
  app.set('query parser', 'simple');

  app.use(noSniff);
  app.use(requestId);
  app.use(requestTimeout(config.requestTimeoutMs));
  app.use(logRequests(logger));
  app.use(observeRequests(metrics));
  app.use(healthRoutes(db));
  app.use(metricsRoutes(metrics));
  app.use(docsRoutes());

  app.use('/api/keys/generate', jsonBody(memory, { limit: SIGNUP_BODY }));
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
  // Every body is bounded in bytes and in JSON values, and its heap reserved, before it is
  // parsed (memory/limits.ts). The event routes check each payload's nesting themselves.
  app.use('/api/events/batch', jsonBody(memory, { limit: BATCH_BODY, checkDepth: false }));
  // A body too large for one event is, to its sender, a payload over the contract's limit.
  app.post('/api/events', jsonBody(memory, { limit: EVENT_BODY, tooLargeMessage: PAYLOAD_TOO_LARGE, checkDepth: false }));
  app.use('/api', jsonBody(memory, { limit: OTHER_BODY }));
  app.use(keysRoutes(db, logger));
  const lifecycle = { maxAttempts: config.webhookMaxAttempts };
  app.use(webhooksRoutes({ db, boss, allowPrivate: config.webhookAllowPrivate, settings: lifecycle, logger }));
  app.use(subscriptionsRoutes({ db, boss, allowPrivate: config.webhookAllowPrivate, settings: lifecycle, logger }));
  app.use(inboxRoutes(db, memory));
  app.use(leasesRoutes(db, memory));
  app.use(ackRoutes(db, boss));
  app.use(eventsRoutes({ db, boss, ingestor, budgets, metrics, dedupWindowSeconds: config.dedupWindowSeconds, memory }));
  app.use(dashboardRoutes(db));

  app.use(notFound);
  app.use(errorHandler(logger));
  return app;
}
