import { encodeCursor } from '../inbox/inbox.cursor.js';
import { EXAMPLE, errorExample, ref } from './openapi.components.js';
import { SUBSCRIPTION_ID, subscriptionPaths } from './openapi.subscriptions.js';
import type { MediaType, Operation, PathItem, Response, Schema } from './openapi.types.js';

const json = (schema: Schema, example?: unknown): Record<string, MediaType> => ({
  'application/json': example === undefined ? { schema } : { schema, example },
});
const use = (name: string) => ({ $ref: `#/components/responses/${name}` });
const param = (name: string) =>
  ({ $ref: `#/components/parameters/${name}` }) as unknown as NonNullable<Operation['parameters']>[number];

const rateLimitHeaders = {
  'X-RateLimit-Limit': { $ref: '#/components/headers/X-RateLimit-Limit' },
  'X-RateLimit-Remaining': { $ref: '#/components/headers/X-RateLimit-Remaining' },
  'X-RateLimit-Reset': { $ref: '#/components/headers/X-RateLimit-Reset' },
};

/**
 * An operation behind the API key: 401, 429 (unless it is never refused for rate) and 503
 * added, rate-limit headers on its own responses.
 */
export function authenticated(operation: Operation, options: { neverRateLimited?: boolean } = {}): Operation {
  const responses: Operation['responses'] = {};
  for (const [status, response] of Object.entries(operation.responses)) {
    responses[status] = '$ref' in response ? response : { ...response, headers: { ...rateLimitHeaders, ...response.headers } };
  }
  responses['401'] = use('Unauthorized');
  if (!options.neverRateLimited) responses['429'] = use('RateLimited');
  responses['503'] = use('Unavailable');
  return { ...operation, responses };
}

const NEVER_RATE_LIMITED =
  'Counted against the requests budget (see the headers) but never refused for rate, so that an organization whose key leaked and is being flooded can still rotate it.';

export const ok = (description: string, schema: Schema, example: unknown): Response => ({
  description,
  content: json(schema, example),
});

const createdEvent = {
  id: EXAMPLE.eventId,
  type: 'order.created',
  status: 'pending',
  dedup_id: 'order-1001',
  created_at: EXAMPLE.time,
};
const inboxEvent = {
  id: EXAMPLE.eventId,
  type: 'order.created',
  payload: { order_id: 1001, total: 49.9 },
  dedup_id: 'order-1001',
  status: 'failed',
  attempts: 5,
  created_at: EXAMPLE.time,
  delivered_at: null,
  last_error: 'HTTP 503',
};
const duplicate = errorExample('Duplicate event detected within 24-hour window', 'duplicate_event', {
  dedup_id: 'order-1001',
  event_id: EXAMPLE.eventId,
});

const keys: Record<string, PathItem> = {
  '/api/keys/generate': {
    post: {
      operationId: 'generateKey',
      tags: ['Keys'],
      summary: 'Create an organization and its first API key',
      description:
        'Open sign-up, unless ADMIN_TOKEN is set: then `Authorization: Bearer <ADMIN_TOKEN>` is required. The key is shown only here and on rotation; the database keeps an argon2id hash.',
      security: [{}, { AdminToken: [] }],
      requestBody: {
        required: true,
        content: json(ref('GenerateKeyRequest'), { organization_name: 'Acme', tier: 'pro' }),
      },
      responses: {
        '201': ok('Created', ref('GeneratedKey'), {
          organization_id: EXAMPLE.orgId,
          organization_name: 'Acme',
          api_key: EXAMPLE.apiKey,
          tier: 'pro',
          rate_limit_per_minute: 1000,
          created_at: EXAMPLE.time,
        }),
        '400': use('InvalidJson'),
        '401': ok(
          'ADMIN_TOKEN is set and the request does not carry it',
          ref('Error'),
          errorExample('Invalid admin token', 'invalid_admin_token'),
        ),
        '422': use('ValidationFailed'),
        '503': use('Unavailable'),
      },
    },
  },
  '/api/keys': {
    get: authenticated(
      {
        operationId: 'getOrganization',
        tags: ['Keys'],
        summary: 'The calling organization',
        description: NEVER_RATE_LIMITED,
        responses: {
          '200': ok('The organization', ref('Organization'), {
            organization_id: EXAMPLE.orgId,
            organization_name: 'Acme',
            tier: 'pro',
            rate_limit_per_minute: 1000,
            webhook_url: 'https://example.com/webhooks',
            key_prefix: EXAMPLE.keyPrefix,
            created_at: EXAMPLE.time,
            key_rotated_at: null,
          }),
        },
      },
      { neverRateLimited: true },
    ),
  },
  '/api/keys/rotate': {
    post: authenticated(
      {
        operationId: 'rotateKey',
        tags: ['Keys'],
        summary: 'Replace the API key',
        description: `From this response on the old key gets 401 on every API process. ${NEVER_RATE_LIMITED}`,
        responses: {
          '200': ok('The new key', ref('RotatedKey'), {
            organization_id: EXAMPLE.orgId,
            api_key: EXAMPLE.apiKey,
            key_prefix: EXAMPLE.keyPrefix,
            rotated_at: EXAMPLE.time,
          }),
        },
      },
      { neverRateLimited: true },
    ),
  },
};

const webhookConfig = ok('The webhook configuration', ref('WebhookConfig'), {
  success: true,
  webhook_url: 'https://example.com/webhooks',
  webhook_secret: EXAMPLE.secret,
});

const webhooks: Record<string, PathItem> = {
  '/api/webhook/config': {
    get: authenticated({
      operationId: 'getWebhookConfig',
      tags: ['Webhooks'],
      summary: 'The webhook URL and signing secret',
      responses: { '200': webhookConfig },
    }),
    post: authenticated({
      operationId: 'setWebhookConfig',
      tags: ['Webhooks'],
      summary: 'Set the webhook URL (or null to turn push delivery off)',
      description:
        'The signing secret is created on the first configuration and kept on later changes. With no webhook, events wait in the inbox.',
      requestBody: {
        required: true,
        content: json(ref('WebhookConfigRequest'), { webhook_url: 'https://example.com/webhooks' }),
      },
      responses: { '200': webhookConfig, '400': use('InvalidJson'), '422': use('ValidationFailed') },
    }),
  },
  '/api/webhook/secret/rotate': {
    post: authenticated({
      operationId: 'rotateWebhookSecret',
      tags: ['Webhooks'],
      summary: 'Replace the signing secret',
      description: 'For 24 hours the worker signs every delivery with both the new and the previous secret.',
      responses: {
        '200': ok('The new secret', ref('RotatedWebhookSecret'), {
          webhook_secret: EXAMPLE.secret,
          previous_secret_expires_at: '2026-01-16T09:30:00.000Z',
        }),
      },
    }),
  },
};

const events: Record<string, PathItem> = {
  '/api/events': {
    post: authenticated({
      operationId: 'createEvent',
      tags: ['Events'],
      summary: 'Ingest one event',
      description:
        'A 201 is sent only after the event and its delivery job are committed together. The `Idempotency-Key` header is used as `dedup_id` when the body has none. Counts one against the events budget. ' +
        'A payload nested deeper than 64 levels is refused with 422 validation_error.',
      parameters: [
        {
          name: 'Idempotency-Key',
          in: 'header',
          description: 'Taken as dedup_id when the body has none',
          schema: { type: 'string', minLength: 1, maxLength: 255 },
        },
      ],
      requestBody: {
        required: true,
        content: json(ref('EventRequest'), {
          type: 'order.created',
          payload: { order_id: 1001, total: 49.9 },
          dedup_id: 'order-1001',
        }),
      },
      responses: {
        '201': ok('Stored and queued for delivery', ref('CreatedEvent'), createdEvent),
        '400': use('InvalidJson'),
        '409': ok('The dedup_id was used within the dedup window', ref('DuplicateEventError'), duplicate),
        '413': use('PayloadTooLarge'),
        '422': use('ValidationFailed'),
      },
    }),
  },
  '/api/events/batch': {
    post: authenticated({
      operationId: 'createEvents',
      tags: ['Events'],
      summary: 'Ingest up to 1,000 events',
      description:
        'All accepted events commit together. A batch of N events counts N against the events budget: one that does not fit in what is left of it is refused whole (429, nothing stored); one larger than the tier’s whole budget can never fit (422). ' +
        'Each event is checked on its own: one whose payload is over 256 KB (413) or nested deeper than 64 levels (422) gets its error in `results`, the others are stored. ' +
        'The request body may be at most 4 MiB and 200,000 JSON values (the heap of the API bounds it: see docs/operations.md); a larger one is refused whole with 413 payload_too_large, nothing stored.',
      requestBody: {
        required: true,
        content: json(ref('BatchRequest'), {
          events: [
            { type: 'order.created', payload: { order_id: 1001 }, dedup_id: 'order-1001' },
            { type: 'order.created', payload: { order_id: 1002 } },
          ],
        }),
      },
      responses: {
        '200': ok(
          'One result per input event, in order',
          { type: 'object', required: ['results'], properties: { results: { type: 'array', items: ref('BatchResult') } } },
          {
            results: [
              {
                status: 409,
                error: duplicate.error,
                code: 'duplicate_event',
                dedup_id: 'order-1001',
                event_id: EXAMPLE.eventId,
              },
              { ...createdEvent, status: 201, dedup_id: null },
            ],
          },
        ),
        '400': use('InvalidJson'),
        '413': use('BodyTooLarge'),
        '422': use('ValidationFailed'),
      },
    }),
  },
  '/api/events/{id}': {
    get: authenticated({
      operationId: 'getEvent',
      tags: ['Events'],
      summary: 'One event with its deliveries (one per subscription) and their attempts',
      parameters: [param('EventId')],
      responses: {
        '200': ok('The event', ref('EventDetail'), {
          ...inboxEvent,
          acknowledged_at: null,
          deliveries: [
            {
              subscription_id: SUBSCRIPTION_ID,
              status: 'failed',
              attempts: 2,
              last_error: 'timeout after 10000 ms',
              delivered_at: null,
              next_attempt_at: null,
            },
          ],
          delivery_attempts: [
            {
              subscription_id: SUBSCRIPTION_ID,
              attempt: 1,
              status_code: 503,
              error: 'HTTP 503',
              duration_ms: 48,
              attempted_at: EXAMPLE.time,
            },
            {
              subscription_id: SUBSCRIPTION_ID,
              attempt: 2,
              status_code: null,
              error: 'timeout after 10000 ms',
              duration_ms: 10002,
              attempted_at: EXAMPLE.time,
            },
          ],
        }),
        '404': use('EventNotFound'),
      },
    }),
  },
  '/api/events/{id}/redeliver': {
    post: authenticated({
      operationId: 'redeliverEvent',
      tags: ['Events'],
      summary: 'Queue a fresh delivery of an event, to one subscription or to every one whose delivery is not pending',
      parameters: [param('EventId')],
      requestBody: { required: false, content: json(ref('RedeliverRequest'), { subscription_id: SUBSCRIPTION_ID }) },
      responses: {
        '202': ok(
          'Queued',
          {
            type: 'object',
            required: ['id', 'status'],
            properties: { id: { type: 'string', format: 'uuid' }, status: { type: 'string', const: 'pending' } },
          },
          { id: EXAMPLE.eventId, status: 'pending' },
        ),
        '404': use('EventNotFound'),
        '409': {
          description: 'No subscription to deliver to, or the one named is disabled',
          content: {
            'application/json': {
              schema: ref('Error'),
              examples: {
                none: { value: errorExample('No subscription to deliver this event to', 'no_subscription') },
                disabled: {
                  value: errorExample('The subscription is disabled; set its status to active first', 'subscription_disabled'),
                },
              },
            },
          },
        },
        '422': use('ValidationFailed'),
      },
    }),
  },
};

const inbox: Record<string, PathItem> = {
  '/api/inbox': {
    get: authenticated({
      operationId: 'listInbox',
      tags: ['Inbox'],
      summary: 'Events for pull consumers, newest first',
      description:
        'Ordered by created_at descending, then id. Pages never skip or repeat an event, even when new events arrive between pages. ' +
        'A page also ends early, with has_more true, once it holds about 8 MB (8 MiB) of payloads as JSON text (always at least one event).',
      parameters: [
        {
          name: 'status',
          in: 'query',
          description: 'Default: pending and failed (not yet delivered or acknowledged)',
          schema: { type: 'string', enum: ['pending', 'delivered', 'failed'] },
        },
        param('TypeFilter'),
        { name: 'limit', in: 'query', schema: { type: 'integer', minimum: 1, maximum: 1000, default: 100 } },
        { name: 'cursor', in: 'query', description: 'next_cursor of the previous page', schema: { type: 'string' } },
      ],
      responses: {
        '200': ok('A page of events', ref('InboxPage'), {
          events: [inboxEvent],
          next_cursor: encodeCursor({ createdAt: new Date(EXAMPLE.time), id: EXAMPLE.eventId }),
          has_more: true,
        }),
        '422': use('ValidationFailed'),
      },
    }),
  },
  '/api/inbox/lease': {
    post: authenticated({
      operationId: 'leaseEvents',
      tags: ['Inbox'],
      summary: 'Lease the oldest free events (competing pull consumers)',
      description:
        'Holds up to `limit` of the oldest pending or failed, unacknowledged events that no other unexpired lease holds, for `visibility_seconds`. ' +
        'Consumers leasing at the same moment, through any API process, never get the same event. ' +
        'Acknowledge each event (POST /api/ack) when done; one not acknowledged before `expires_at` can be leased again. ' +
        'A lease holds fewer events than `limit` once they reach about 8 MB of payloads.',
      requestBody: { content: json(ref('LeaseRequest'), { limit: 100, visibility_seconds: 60, type: 'order.*' }) },
      responses: {
        '200': ok('The lease and its events, oldest first', ref('Lease'), {
          lease_id: EXAMPLE.leaseId,
          expires_at: '2026-01-15T09:31:00.000Z',
          events: [{ ...inboxEvent, status: 'pending', attempts: 0, last_error: null }],
        }),
        '400': use('InvalidJson'),
        '422': use('ValidationFailed'),
      },
    }),
  },
  '/api/inbox/lease/{lease_id}/extend': {
    post: authenticated({
      operationId: 'extendLease',
      tags: ['Inbox'],
      summary: 'Hold a lease’s unacknowledged events longer',
      description:
        'The lease now expires `visibility_seconds` from now. An expired lease cannot be extended (404): its events may already be another’s.',
      parameters: [param('LeaseId')],
      requestBody: { content: json(ref('ExtendLeaseRequest'), { visibility_seconds: 60 }) },
      responses: {
        '200': ok('The new expiry and the events still held', ref('LeaseExtension'), {
          lease_id: EXAMPLE.leaseId,
          expires_at: '2026-01-15T09:31:30.000Z',
          event_ids: [EXAMPLE.eventId],
        }),
        '400': use('InvalidJson'),
        '404': use('LeaseNotFound'),
        '422': use('ValidationFailed'),
      },
    }),
  },
  '/api/ack/{event_id}': {
    post: authenticated({
      operationId: 'ackEvent',
      tags: ['Inbox'],
      summary: 'Acknowledge one event',
      description:
        'Idempotent: a repeat returns the first acknowledged_at. Stops any pending retries of the event, and releases it from its lease for good.',
      parameters: [param('AckEventId')],
      responses: {
        '200': ok('Acknowledged', ref('Acknowledged'), {
          success: true,
          id: EXAMPLE.eventId,
          status: 'delivered',
          acknowledged_at: EXAMPLE.time,
        }),
        '404': use('EventNotFound'),
      },
    }),
  },
  '/api/ack': {
    post: authenticated({
      operationId: 'ackEvents',
      tags: ['Inbox'],
      summary: 'Acknowledge up to 1,000 events',
      description: 'As one acknowledgement each: each acknowledged event is released from its lease for good.',
      requestBody: { required: true, content: json(ref('AckBatchRequest'), { event_ids: [EXAMPLE.eventId, 'not-an-id'] }) },
      responses: {
        '200': ok('Which ids were acknowledged', ref('AckBatchResult'), {
          acknowledged: [EXAMPLE.eventId],
          not_found: ['not-an-id'],
        }),
        '400': use('InvalidJson'),
        '422': use('ValidationFailed'),
      },
    }),
  },
};

export const text = (description: string, type: string, example: string): Response => ({
  description,
  content: { [type]: { schema: { type: 'string' }, example } },
});

const operations: Record<string, PathItem> = {
  '/health': {
    get: {
      operationId: 'health',
      tags: ['Operations'],
      summary: 'Readiness: the process and its database',
      security: [],
      responses: {
        '200': ok('Healthy', ref('Health'), { status: 'healthy', database: 'ok' }),
        '503': ok('The database did not answer within 2 s', ref('Health'), { status: 'unhealthy', database: 'unreachable' }),
      },
    },
  },
  '/health/live': {
    get: {
      operationId: 'liveness',
      tags: ['Operations'],
      summary: 'Liveness: answers while the process runs, without touching the database',
      security: [],
      responses: {
        '200': ok(
          'Alive',
          { type: 'object', required: ['status'], properties: { status: { type: 'string', const: 'alive' } } },
          { status: 'alive' },
        ),
      },
    },
  },
  '/metrics': {
    get: {
      operationId: 'metrics',
      tags: ['Operations'],
      summary: 'Prometheus metrics of this API process',
      security: [],
      responses: {
        '200': text(
          'Prometheus text format',
          'text/plain',
          '# HELP http_requests_total HTTP requests\n# TYPE http_requests_total counter\nhttp_requests_total{method="POST",route="/api/events",status="201"} 42\n',
        ),
      },
    },
  },
  '/openapi.json': {
    get: {
      operationId: 'openapi',
      tags: ['Operations'],
      summary: 'This document',
      security: [],
      responses: {
        '200': { description: 'The OpenAPI 3.1 document', content: json({ type: 'object', additionalProperties: true }) },
      },
    },
  },
  '/docs': {
    get: {
      operationId: 'docs',
      tags: ['Operations'],
      summary: 'This document, rendered (Swagger UI, served locally)',
      security: [],
      responses: { '200': text('An HTML page', 'text/html', '<!doctype html>…') },
    },
  },
};

export const paths: Record<string, PathItem> = {
  ...keys,
  ...webhooks,
  ...subscriptionPaths(authenticated),
  ...events,
  ...inbox,
  ...operations,
};
