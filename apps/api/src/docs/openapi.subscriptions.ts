import { EXAMPLE, errorExample, ref } from './openapi.components.js';
import type { MediaType, Operation, PathItem, Response, Schema } from './openapi.types.js';

/** Subscriptions, their deliveries, redelivery and replay (API.md v2). */

const json = (schema: Schema, example?: unknown): Record<string, MediaType> => ({
  'application/json': example === undefined ? { schema } : { schema, example },
});
const use = (name: string) => ({ $ref: `#/components/responses/${name}` });
const ok = (description: string, schema: Schema, example: unknown): Response => ({ description, content: json(schema, example) });
const nullable = (schema: Schema): Schema => ({ oneOf: [schema, { type: 'null' }] });
const uuid: Schema = { type: 'string', format: 'uuid' };
const time: Schema = { type: 'string', format: 'date-time', description: 'ISO-8601, UTC' };

export const SUBSCRIPTION_ID = '0193a5e4-2b3c-7d4e-8f50-6a7b8c9d0e1f';

const pattern: Schema = {
  type: 'string',
  minLength: 1,
  maxLength: 255,
  description: 'An event type, a prefix ending in `.*` (`invoice.*` matches `invoice.paid`, not `invoicex`), or `*`',
};
const patterns: Schema = { type: 'array', items: pattern, minItems: 1, maxItems: 50 };
const targetUrl: Schema = {
  type: 'string',
  maxLength: 2048,
  description:
    'Absolute http(s) URL without credentials; literal private, loopback, link-local and metadata addresses are refused unless WEBHOOK_ALLOW_PRIVATE=true',
};

const subscription = {
  id: SUBSCRIPTION_ID,
  target_url: 'https://hooks.example.com/orders',
  event_types: ['order.created', 'invoice.*'],
  description: 'Order sync',
  status: 'active',
  disabled_reason: null,
  disabled_at: null,
  circuit: { state: 'closed', opened_at: null, next_probe_at: null },
  created_at: EXAMPLE.time,
  updated_at: EXAMPLE.time,
};

export const subscriptionSchemas: Record<string, Schema> = {
  CreateSubscriptionRequest: {
    type: 'object',
    required: ['target_url'],
    description: '`event_types`, or the Zapier REST Hooks form `event` (one type): exactly one of them',
    properties: {
      target_url: targetUrl,
      event_types: patterns,
      event: pattern,
      description: nullable({ type: 'string', maxLength: 255 }),
    },
  },
  UpdateSubscriptionRequest: {
    type: 'object',
    description: 'Any of the fields, at least one. `active` on a disabled subscription enables it again.',
    properties: {
      target_url: targetUrl,
      event_types: patterns,
      description: nullable({ type: 'string', maxLength: 255 }),
      status: { type: 'string', enum: ['active', 'paused'] },
    },
  },
  Subscription: {
    type: 'object',
    required: [
      'id',
      'target_url',
      'event_types',
      'description',
      'status',
      'disabled_reason',
      'disabled_at',
      'circuit',
      'created_at',
      'updated_at',
    ],
    properties: {
      id: uuid,
      target_url: { type: 'string' },
      event_types: { type: 'array', items: { type: 'string' } },
      description: nullable({ type: 'string' }),
      status: {
        type: 'string',
        enum: ['active', 'paused', 'disabled'],
        description:
          '`paused`: deliveries wait, unattempted; `disabled`: no new deliveries (a 410, or failing for SUBSCRIPTION_DISABLE_AFTER_HOURS)',
      },
      disabled_reason: { type: ['string', 'null'], enum: ['gone', 'failing', null] },
      disabled_at: nullable(time),
      circuit: ref('Circuit'),
      created_at: time,
      updated_at: time,
    },
  },
  Circuit: {
    type: 'object',
    description:
      'The subscription’s circuit breaker. After BREAKER_FAILURE_THRESHOLD (default 10) failed attempts in a row it opens: its deliveries are held back (not attempted, not counted) for BREAKER_COOLOFF_SECONDS (default 60, doubling at each failed probe up to an hour); then one probe delivery goes out (`half_open`); its success closes the circuit and the held deliveries flow again, ramping up (1 in flight per worker, doubling every 2 s up to SUBSCRIPTION_MAX_IN_FLIGHT).',
    required: ['state', 'opened_at', 'next_probe_at'],
    properties: {
      state: { type: 'string', enum: ['closed', 'open', 'half_open'] },
      opened_at: { ...nullable(time), description: 'When it opened (kept through its probes); null when closed' },
      next_probe_at: {
        ...nullable(time),
        description:
          'open: when the probe may go; half_open: when a probe still unanswered is given up and another may go; null when closed',
      },
    },
  },
  CreatedSubscription: {
    allOf: [
      ref('Subscription'),
      {
        type: 'object',
        required: ['secret'],
        properties: { secret: { type: 'string', description: '`whsec_` + base64 of 32 bytes' } },
      },
    ],
  },
  SubscriptionPage: {
    type: 'object',
    required: ['subscriptions', 'next_cursor', 'has_more'],
    properties: {
      subscriptions: { type: 'array', items: ref('Subscription') },
      next_cursor: nullable({ type: 'string' }),
      has_more: { type: 'boolean' },
    },
  },
  Delivery: {
    type: 'object',
    description: 'One per event and subscription',
    required: ['subscription_id', 'status', 'attempts', 'last_error', 'delivered_at', 'next_attempt_at'],
    properties: {
      subscription_id: uuid,
      status: { type: 'string', enum: ['pending', 'delivered', 'failed', 'cancelled'] },
      attempts: { type: 'integer', minimum: 0 },
      last_error: nullable({ type: 'string' }),
      delivered_at: nullable(time),
      next_attempt_at: nullable(time),
    },
  },
  RedeliverRequest: {
    type: 'object',
    properties: {
      subscription_id: { ...uuid, description: 'Only this subscription; else every one whose delivery is not pending' },
    },
  },
  ReplayRequest: {
    type: 'object',
    required: ['from', 'to'],
    properties: {
      from: time,
      to: { ...time, description: 'Exclusive; after `from`' },
      type: pattern,
      status: { type: 'string', enum: ['pending', 'delivered', 'failed'] },
      subscription_id: uuid,
      dry_run: {
        type: 'boolean',
        default: false,
        description:
          'Only count the events that would be replayed (200 `{"would_replay": N}`); queues nothing, counts one request',
      },
    },
  },
};

const subscriptionNotFound = {
  description: 'Unknown or malformed id, or another organization’s subscription',
  content: json(ref('Error'), errorExample('Subscription not found', 'not_found')),
};
const idParam: NonNullable<Operation['parameters']>[number] = {
  name: 'id',
  in: 'path',
  required: true,
  description: 'Subscription id',
  schema: uuid,
  example: SUBSCRIPTION_ID,
};

/** The paths, each wrapped by the caller's `authenticated`. */
export function subscriptionPaths(authenticated: (op: Operation) => Operation): Record<string, PathItem> {
  return {
    '/api/subscriptions': {
      post: authenticated({
        operationId: 'createSubscription',
        tags: ['Subscriptions'],
        summary: 'Subscribe a target URL to event types (also the Zapier REST Hooks subscribe)',
        requestBody: {
          required: true,
          content: json(ref('CreateSubscriptionRequest'), {
            target_url: 'https://hooks.example.com/orders',
            event_types: ['order.created', 'invoice.*'],
            description: 'Order sync',
          }),
        },
        responses: {
          '201': ok('Created; the secret is shown here and by GET …/secret', ref('CreatedSubscription'), {
            ...subscription,
            secret: EXAMPLE.secret,
          }),
          '400': use('InvalidJson'),
          '409': ok(
            'The organization has 100 subscriptions',
            ref('Error'),
            errorExample('An organization may have at most 100 subscriptions', 'subscription_limit'),
          ),
          '422': use('ValidationFailed'),
        },
      }),
      get: authenticated({
        operationId: 'listSubscriptions',
        tags: ['Subscriptions'],
        summary: 'The organization’s subscriptions, newest first, without secrets',
        parameters: [
          { name: 'limit', in: 'query', schema: { type: 'integer', minimum: 1, maximum: 100, default: 100 } },
          { name: 'cursor', in: 'query', description: 'next_cursor of the previous page', schema: { type: 'string' } },
        ],
        responses: {
          '200': ok('A page', ref('SubscriptionPage'), { subscriptions: [subscription], next_cursor: null, has_more: false }),
          '422': use('ValidationFailed'),
        },
      }),
    },
    '/api/subscriptions/{id}': {
      get: authenticated({
        operationId: 'getSubscription',
        tags: ['Subscriptions'],
        summary: 'One subscription',
        parameters: [idParam],
        responses: { '200': ok('The subscription', ref('Subscription'), subscription), '404': subscriptionNotFound },
      }),
      patch: authenticated({
        operationId: 'updateSubscription',
        tags: ['Subscriptions'],
        summary: 'Change the URL, patterns, description or status (active | paused)',
        parameters: [idParam],
        requestBody: { required: true, content: json(ref('UpdateSubscriptionRequest'), { status: 'paused' }) },
        responses: {
          '200': ok('The subscription', ref('Subscription'), { ...subscription, status: 'paused' }),
          '400': use('InvalidJson'),
          '404': subscriptionNotFound,
          '422': use('ValidationFailed'),
        },
      }),
      delete: authenticated({
        operationId: 'deleteSubscription',
        tags: ['Subscriptions'],
        summary: 'Unsubscribe (REST Hooks); its pending deliveries are cancelled',
        parameters: [idParam],
        responses: { '204': { description: 'Deleted' }, '404': subscriptionNotFound },
      }),
    },
    '/api/subscriptions/{id}/secret': {
      get: authenticated({
        operationId: 'getSubscriptionSecret',
        tags: ['Subscriptions'],
        summary: 'The subscription’s signing secret',
        parameters: [idParam],
        responses: {
          '200': ok(
            'The secret',
            { type: 'object', required: ['secret'], properties: { secret: { type: 'string' } } },
            { secret: EXAMPLE.secret },
          ),
          '404': subscriptionNotFound,
        },
      }),
    },
    '/api/subscriptions/{id}/secret/rotate': {
      post: authenticated({
        operationId: 'rotateSubscriptionSecret',
        tags: ['Subscriptions'],
        summary: 'A new signing secret; for 24 h deliveries carry signatures with both',
        parameters: [idParam],
        responses: {
          '200': ok(
            'Rotated',
            {
              type: 'object',
              required: ['secret', 'previous_secret_expires_at'],
              properties: { secret: { type: 'string' }, previous_secret_expires_at: nullable(time) },
            },
            { secret: EXAMPLE.secret, previous_secret_expires_at: EXAMPLE.time },
          ),
          '404': subscriptionNotFound,
        },
      }),
    },
    '/api/events/replay': {
      post: authenticated({
        operationId: 'replayEvents',
        tags: ['Events'],
        summary: 'Queue a fresh delivery of every event that matches a filter (at most 100,000)',
        description:
          'Events created in [from, to), optionally of a type pattern and a status; to `subscription_id` only, or else as redeliver does. Counts N against the events budget.',
        requestBody: {
          required: true,
          content: json(ref('ReplayRequest'), {
            from: '2026-01-15T00:00:00.000Z',
            to: '2026-01-16T00:00:00.000Z',
            type: 'order.*',
            status: 'failed',
          }),
        },
        responses: {
          '200': ok(
            'A dry run: how many events would be replayed',
            { type: 'object', required: ['would_replay'], properties: { would_replay: { type: 'integer', minimum: 0 } } },
            { would_replay: 42 },
          ),
          '202': ok(
            'Queued',
            { type: 'object', required: ['replayed'], properties: { replayed: { type: 'integer', minimum: 0 } } },
            { replayed: 42 },
          ),
          '400': use('InvalidJson'),
          '404': subscriptionNotFound,
          '409': ok(
            'The subscription is disabled',
            ref('Error'),
            errorExample('The subscription is disabled; set its status to active first', 'subscription_disabled'),
          ),
          '422': use('ValidationFailed'),
        },
      }),
    },
  };
}
