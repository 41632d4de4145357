import { VERSION } from '@triggers/config';
import { components } from './openapi.components.js';
import { dashboardPaths, dashboardSchemas } from './openapi.dashboard.js';
import { paths } from './openapi.paths.js';
import { subscriptionSchemas } from './openapi.subscriptions.js';
import type { OpenApiDocument } from './openapi.types.js';

const DESCRIPTION = `Durable event ingestion with signed, retried webhook delivery and a pull inbox, on one Postgres.

Authenticate with \`X-API-Key: <key>\` (or \`Authorization: Bearer <key>\`); create a key with
POST /api/keys/generate. Every error body is \`{"error","code","request_id"}\`; every response
carries \`X-Request-ID\`.

Rate limits: each organization has two budgets per minute, each its tier's number (free 100,
pro 1,000, business 10,000, enterprise 100,000), across all API processes: **events** (each
ingested event counts one, a batch of N counts N) and **requests** (every other authenticated
request counts one). \`GET /api/keys\` and \`POST /api/keys/rotate\` are never refused for rate.
The \`X-RateLimit-*\` headers report the budget the request counted against.

Each event is delivered to every subscription whose patterns match its type, as \`POST\` with a
JSON body (schema WebhookDelivery) signed per Standard Webhooks with that subscription's secret,
each delivery retried on its own with exponential backoff; undelivered events wait in the inbox
until acknowledged. Competing pull consumers lease inbox events (POST /api/inbox/lease): each
event is held by one lease at a time until acknowledged or expired.`;

/** The OpenAPI 3.1 document of the whole contract, served at /openapi.json. */
export function buildOpenApiDocument(): OpenApiDocument {
  return {
    openapi: '3.1.0',
    info: {
      title: 'Triggers API',
      version: VERSION,
      description: DESCRIPTION,
      license: { name: 'MIT', identifier: 'MIT' },
    },
    tags: [
      { name: 'Keys', description: 'Organizations and their API keys' },
      { name: 'Webhooks', description: 'v1: the default subscription (`["*"]`), with its v1 bodies' },
      { name: 'Subscriptions', description: 'Target URLs, each with its event types, secret and status' },
      { name: 'Events', description: 'Ingest and inspect events' },
      { name: 'Inbox', description: 'Pull consumption and acknowledgement' },
      { name: 'Dashboard', description: 'The web dashboard and the figures it draws' },
      { name: 'Operations', description: 'Health, metrics and this documentation (no key needed)' },
    ],
    paths: { ...paths, ...dashboardPaths },
    components: { ...components, schemas: { ...components.schemas, ...subscriptionSchemas, ...dashboardSchemas } },
    security: [{ ApiKey: [] }, { BearerKey: [] }],
  };
}
