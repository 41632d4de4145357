import type { OpenApiDocument, Schema } from './openapi.types.js';

/** `#/components/schemas/<name>` */
export const ref = (name: string): Schema => ({ $ref: `#/components/schemas/${name}` });
const nullable = (schema: Schema): Schema => ({ oneOf: [schema, { type: 'null' }] });

const uuid: Schema = { type: 'string', format: 'uuid' };
const time: Schema = { type: 'string', format: 'date-time', description: 'ISO-8601, UTC' };
const tier: Schema = { type: 'string', enum: ['free', 'pro', 'business', 'enterprise'] };
const status: Schema = {
  type: 'string',
  enum: ['pending', 'delivered', 'failed'],
  description:
    '`pending` while a delivery is pending (or there is none) and it is not acknowledged; `delivered` when every delivery is, or when acknowledged; `failed` when none is pending and one failed',
};

export const EXAMPLE = {
  orgId: '0193a5e2-7c1d-7b3e-9f10-2a4b6c8d0e1f',
  eventId: '0193a5e3-1a2b-7c3d-8e4f-5a6b7c8d9e0f',
  apiKey: 'zap_live_Jx4oWc0f3Yp9QmT2vL7sN1bR8kD5hG6a',
  keyPrefix: 'zap_live_Jx4oWc0f3Yp9',
  secret: 'whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw7vQ8sZkTVe0=',
  time: '2026-01-15T09:30:00.000Z',
  requestId: '7f1c2b9e-4d5a-4e3f-9a8b-1c2d3e4f5a6b',
  leaseId: '0193a5e4-2b3c-7d4e-9f50-6b7c8d9e0f1a',
} as const;

const errorExample = (error: string, code: string, extra: Record<string, unknown> = {}) => ({
  error,
  code,
  ...extra,
  request_id: EXAMPLE.requestId,
});

const schemas: Record<string, Schema> = {
  Error: {
    type: 'object',
    description: 'Every error body. Some errors add fields (`details`, `limit`, `event_id`, …).',
    required: ['error', 'code', 'request_id'],
    properties: {
      error: { type: 'string', description: 'A sentence for people' },
      code: { type: 'string', description: 'A stable code for programs' },
      request_id: { type: 'string', description: 'The X-Request-ID of the request' },
    },
  },
  ValidationError: {
    allOf: [
      ref('Error'),
      {
        type: 'object',
        required: ['details'],
        properties: {
          details: {
            type: 'array',
            items: {
              type: 'object',
              required: ['field', 'message'],
              properties: { field: { type: 'string' }, message: { type: 'string' } },
            },
          },
        },
      },
    ],
  },
  RateLimitError: {
    allOf: [
      ref('Error'),
      {
        type: 'object',
        required: ['limit', 'window', 'retry_after'],
        properties: {
          limit: { type: 'integer', description: 'Requests per minute of the tier' },
          window: { type: 'string', const: '1 minute' },
          retry_after: { type: 'integer', description: 'Seconds until the window resets' },
        },
      },
    ],
  },
  DuplicateEventError: {
    allOf: [
      ref('Error'),
      {
        type: 'object',
        required: ['dedup_id', 'event_id'],
        properties: {
          dedup_id: { type: 'string' },
          event_id: { ...uuid, description: 'The id of the first event with this dedup_id' },
        },
      },
    ],
  },
  GenerateKeyRequest: {
    type: 'object',
    required: ['organization_name'],
    properties: {
      organization_name: { type: 'string', minLength: 1, maxLength: 255, description: '`org_name` is accepted as an alias' },
      tier: { ...tier, default: 'free' },
    },
  },
  GeneratedKey: {
    type: 'object',
    required: ['organization_id', 'organization_name', 'api_key', 'tier', 'rate_limit_per_minute', 'created_at'],
    properties: {
      organization_id: uuid,
      organization_name: { type: 'string' },
      api_key: { type: 'string', pattern: '^zap_live_[A-Za-z0-9_-]{32,}$', description: 'Shown only here and on rotation' },
      tier,
      rate_limit_per_minute: { type: 'integer' },
      created_at: time,
    },
  },
  Organization: {
    type: 'object',
    required: [
      'organization_id',
      'organization_name',
      'tier',
      'rate_limit_per_minute',
      'webhook_url',
      'key_prefix',
      'created_at',
      'key_rotated_at',
    ],
    properties: {
      organization_id: uuid,
      organization_name: { type: 'string' },
      tier,
      rate_limit_per_minute: { type: 'integer' },
      webhook_url: nullable({ type: 'string', format: 'uri' }),
      key_prefix: { type: 'string', minLength: 12, description: 'The non-secret start of the current key' },
      created_at: time,
      key_rotated_at: nullable(time),
    },
  },
  RotatedKey: {
    type: 'object',
    required: ['organization_id', 'api_key', 'key_prefix', 'rotated_at'],
    properties: { organization_id: uuid, api_key: { type: 'string' }, key_prefix: { type: 'string' }, rotated_at: time },
  },
  WebhookConfigRequest: {
    type: 'object',
    required: ['webhook_url'],
    properties: {
      webhook_url: nullable({
        type: 'string',
        format: 'uri',
        maxLength: 2048,
        description:
          'Absolute http(s) URL without user:password. Loopback, private, link-local and metadata addresses are refused unless WEBHOOK_ALLOW_PRIVATE=true. `null` turns push delivery off.',
      }),
    },
  },
  WebhookConfig: {
    type: 'object',
    required: ['success', 'webhook_url', 'webhook_secret'],
    properties: {
      success: { type: 'boolean', const: true },
      webhook_url: nullable({ type: 'string', format: 'uri' }),
      webhook_secret: nullable({
        type: 'string',
        pattern: '^whsec_',
        description: '`whsec_` + base64 of 32 random bytes; created on first configuration and kept after',
      }),
    },
  },
  RotatedWebhookSecret: {
    type: 'object',
    required: ['webhook_secret', 'previous_secret_expires_at'],
    properties: {
      webhook_secret: { type: 'string', pattern: '^whsec_' },
      previous_secret_expires_at: nullable({ ...time, description: 'Until then deliveries carry both signatures' }),
    },
  },
  EventRequest: {
    type: 'object',
    required: ['type', 'payload'],
    properties: {
      type: { type: 'string', minLength: 1, maxLength: 255 },
      payload: {
        type: 'object',
        additionalProperties: true,
        description: 'Any JSON object, at most 256 KB JSON-encoded',
      },
      dedup_id: {
        type: 'string',
        minLength: 1,
        maxLength: 255,
        description: 'Rejects a second event with this id within DEDUP_WINDOW_SECONDS (default 24 h)',
      },
    },
  },
  CreatedEvent: {
    type: 'object',
    required: ['id', 'type', 'status', 'dedup_id', 'created_at'],
    properties: {
      id: uuid,
      type: { type: 'string' },
      status: { type: 'string', const: 'pending' },
      dedup_id: nullable({ type: 'string' }),
      created_at: time,
    },
  },
  BatchRequest: {
    type: 'object',
    required: ['events'],
    properties: { events: { type: 'array', minItems: 1, maxItems: 1000, items: ref('EventRequest') } },
  },
  BatchResult: {
    type: 'object',
    description:
      'One per input event, in order: `status` 201 with the created event, 409 with the duplicate error, or 413/422 with the error.',
    required: ['status'],
    properties: { status: { type: 'integer', enum: [201, 409, 413, 422] } },
    additionalProperties: true,
  },
  InboxEvent: {
    type: 'object',
    required: ['id', 'type', 'payload', 'dedup_id', 'status', 'attempts', 'created_at', 'delivered_at', 'last_error'],
    properties: {
      id: uuid,
      type: { type: 'string' },
      payload: { type: 'object', additionalProperties: true },
      dedup_id: nullable({ type: 'string' }),
      status,
      attempts: { type: 'integer', description: 'Delivery attempts made so far' },
      created_at: time,
      delivered_at: nullable(time),
      last_error: nullable({ type: 'string' }),
    },
  },
  DeliveryAttempt: {
    type: 'object',
    required: ['subscription_id', 'attempt', 'status_code', 'error', 'duration_ms', 'attempted_at'],
    properties: {
      subscription_id: nullable(uuid),
      attempt: { type: 'integer', minimum: 1 },
      status_code: nullable({ type: 'integer' }),
      error: nullable({ type: 'string' }),
      duration_ms: { type: 'integer' },
      attempted_at: time,
    },
  },
  EventDetail: {
    allOf: [
      ref('InboxEvent'),
      {
        type: 'object',
        required: ['acknowledged_at', 'deliveries', 'delivery_attempts'],
        properties: {
          acknowledged_at: nullable(time),
          deliveries: { type: 'array', items: ref('Delivery') },
          delivery_attempts: { type: 'array', items: ref('DeliveryAttempt') },
        },
      },
    ],
  },
  InboxPage: {
    type: 'object',
    required: ['events', 'next_cursor', 'has_more'],
    properties: {
      events: { type: 'array', items: ref('InboxEvent') },
      next_cursor: nullable({ type: 'string', description: 'Pass as `cursor` for the next page; null on the last page' }),
      has_more: { type: 'boolean' },
    },
  },
  LeaseRequest: {
    type: 'object',
    properties: {
      limit: { type: 'integer', minimum: 1, maximum: 1000, default: 100, description: 'Most events to hold' },
      visibility_seconds: {
        type: 'integer',
        minimum: 1,
        maximum: 43200,
        default: 30,
        description: 'How long the lease holds its events unless extended',
      },
      type: {
        type: 'string',
        minLength: 1,
        maxLength: 255,
        description: 'Only events of this type, or `prefix.*` for the types starting with `prefix.`',
      },
    },
  },
  Lease: {
    type: 'object',
    required: ['lease_id', 'expires_at', 'events'],
    properties: {
      lease_id: uuid,
      expires_at: { ...time, description: 'Until then no other lease gets these events' },
      events: {
        type: 'array',
        items: ref('InboxEvent'),
        description:
          'Oldest first. Fewer than `limit` when no more are free, or once they hold about 8 MB of payloads; may be empty',
      },
    },
  },
  ExtendLeaseRequest: {
    type: 'object',
    properties: {
      visibility_seconds: {
        type: 'integer',
        minimum: 1,
        maximum: 43200,
        default: 30,
        description: 'The lease now expires this long from now',
      },
    },
  },
  LeaseExtension: {
    type: 'object',
    required: ['lease_id', 'expires_at', 'event_ids'],
    properties: {
      lease_id: uuid,
      expires_at: time,
      event_ids: { type: 'array', items: uuid, description: 'The events the lease still holds (not yet acknowledged)' },
    },
  },
  Acknowledged: {
    type: 'object',
    required: ['success', 'id', 'status', 'acknowledged_at'],
    properties: {
      success: { type: 'boolean', const: true },
      id: uuid,
      status: { type: 'string', const: 'delivered' },
      acknowledged_at: { ...time, description: 'The first acknowledgement’s time, on every repeat' },
    },
  },
  AckBatchRequest: {
    type: 'object',
    required: ['event_ids'],
    properties: { event_ids: { type: 'array', maxItems: 1000, items: { type: 'string' } } },
  },
  AckBatchResult: {
    type: 'object',
    required: ['acknowledged', 'not_found'],
    properties: {
      acknowledged: { type: 'array', items: { type: 'string' } },
      not_found: { type: 'array', items: { type: 'string' }, description: 'Unknown, malformed or another organization’s ids' },
    },
  },
  Health: {
    type: 'object',
    required: ['status', 'database'],
    properties: {
      status: { type: 'string', enum: ['healthy', 'unhealthy'] },
      database: { type: 'string', enum: ['ok', 'unreachable'] },
    },
  },
  WebhookDelivery: {
    type: 'object',
    description:
      'What the worker POSTs to a subscription’s target URL, one request per delivery (event × subscription), with the Standard Webhooks headers `webhook-id` (the event id), `webhook-timestamp` and `webhook-signature` (`v1,` + base64 HMAC-SHA256 of `{id}.{timestamp}.{body}` with the subscription’s secret), plus `X-Event-ID`, `X-Event-Type`, `X-Delivery-Attempt` and `X-Subscription-ID`.',
    required: ['event_id', 'type', 'data', 'created_at', 'attempt'],
    properties: {
      event_id: uuid,
      type: { type: 'string' },
      data: { type: 'object', additionalProperties: true, description: 'The event payload' },
      created_at: time,
      attempt: { type: 'integer', minimum: 1 },
    },
  },
};

const jsonError = (schema: string, example: unknown) => ({ 'application/json': { schema: ref(schema), example } });

export const components: OpenApiDocument['components'] = {
  schemas,
  headers: {
    'X-Request-ID': { description: 'The caller’s X-Request-ID, or a new one', schema: { type: 'string' } },
    'X-RateLimit-Limit': {
      description:
        'The per-minute size of the budget this request counted against (events for POST /api/events and /api/events/batch, requests for every other request): the organization’s tier’s number',
      schema: { type: 'integer' },
    },
    'X-RateLimit-Remaining': { description: 'What is left of that budget in the current window', schema: { type: 'integer' } },
    'X-RateLimit-Reset': { description: 'Seconds until the window resets', schema: { type: 'integer' } },
    'Retry-After': { description: 'Seconds to wait', schema: { type: 'integer' } },
  },
  parameters: {
    EventId: { name: 'id', in: 'path', required: true, description: 'Event id', schema: uuid, example: EXAMPLE.eventId },
    AckEventId: { name: 'event_id', in: 'path', required: true, description: 'Event id', schema: uuid, example: EXAMPLE.eventId },
    LeaseId: { name: 'lease_id', in: 'path', required: true, description: 'Lease id', schema: uuid, example: EXAMPLE.leaseId },
    TypeFilter: {
      name: 'type',
      in: 'query',
      description:
        'Only events of this type, or of the types starting with `prefix.` for `prefix.*` (`invoice.*` matches `invoice.paid`, not `invoicex`); `*` is every type',
      schema: { type: 'string', minLength: 1, maxLength: 255 },
      example: 'order.*',
    },
  },
  responses: {
    InvalidJson: {
      description: 'The body is not valid JSON',
      content: jsonError('Error', errorExample('Request body is not valid JSON', 'invalid_json')),
    },
    ValidationFailed: {
      description: 'The body (or query) breaks the schema; `details` names each offending field',
      content: jsonError(
        'ValidationError',
        errorExample('Validation failed: type', 'validation_error', {
          details: [{ field: 'type', message: "'type' is required" }],
        }),
      ),
    },
    Unauthorized: {
      description: 'Missing, wrong, rotated or malformed API key',
      content: {
        'application/json': {
          schema: ref('Error'),
          examples: {
            missing: { value: errorExample('Missing API key', 'missing_api_key') },
            invalid: { value: errorExample('Invalid API key', 'invalid_api_key') },
          },
        },
      },
    },
    RateLimited: {
      description:
        'The organization has used the budget this request counts against (events or requests) for this minute, or a batch does not fit in what is left of it; nothing is stored',
      headers: { 'Retry-After': { $ref: '#/components/headers/Retry-After' } },
      content: jsonError(
        'RateLimitError',
        errorExample('Rate limit exceeded', 'rate_limited', { limit: 100, window: '1 minute', retry_after: 42 }),
      ),
    },
    LeaseNotFound: {
      description: 'Unknown, malformed or expired lease id, or another organization’s lease',
      content: jsonError('Error', errorExample('Lease not found', 'not_found')),
    },
    EventNotFound: {
      description: 'Unknown or malformed id, or another organization’s event',
      content: jsonError('Error', errorExample('Event not found', 'not_found')),
    },
    Unavailable: {
      description:
        '`database_unavailable`: the database refused, went away or was too slow (DATABASE_STATEMENT_TIMEOUT_MS, REQUEST_TIMEOUT_MS); an ingest may still have been stored: retry it with the same dedup_id. ' +
        '`server_busy`: the process had no room for the body or the response of the request within 5 s (its heap is shared by all requests in flight). Either way, try again after Retry-After.',
      headers: { 'Retry-After': { $ref: '#/components/headers/Retry-After' } },
      content: {
        'application/json': {
          schema: ref('Error'),
          examples: {
            database: { value: errorExample('Service temporarily unavailable', 'database_unavailable') },
            busy: { value: errorExample('Server is busy, retry shortly', 'server_busy') },
          },
        },
      },
    },
    PayloadTooLarge: {
      description: 'The JSON-encoded payload is over 256 KB; nothing is stored',
      content: jsonError('Error', errorExample('Payload exceeds 256KB limit', 'payload_too_large')),
    },
    BodyTooLarge: {
      description: 'The request body is over its limit in bytes or in JSON values; nothing is stored',
      content: jsonError('Error', errorExample('Request body is too large', 'payload_too_large')),
    },
  },
  securitySchemes: {
    ApiKey: { type: 'apiKey', in: 'header', name: 'X-API-Key', description: 'The organization’s API key' },
    BearerKey: { type: 'http', scheme: 'bearer', description: 'The API key as `Authorization: Bearer <key>`' },
    AdminToken: {
      type: 'http',
      scheme: 'bearer',
      description: 'ADMIN_TOKEN, needed by POST /api/keys/generate when that variable is set',
    },
  },
};

export { errorExample };
