import { STATS_WINDOWS } from '../stats/stats.schema.js';
import { ref } from './openapi.components.js';
import { authenticated, ok, text } from './openapi.paths.js';
import type { PathItem, Schema } from './openapi.types.js';

const count: Schema = { type: 'integer', minimum: 0 };
const time: Schema = { type: 'string', format: 'date-time', description: 'ISO-8601, UTC' };

export const dashboardSchemas: Record<string, Schema> = {
  StatsBucket: {
    type: 'object',
    required: ['start', 'events', 'attempts', 'succeeded', 'failed'],
    properties: {
      start: { ...time, description: 'Start of the bucket; it lasts `bucket_seconds`' },
      events: { ...count, description: 'Events ingested in the bucket' },
      attempts: { ...count, description: 'Delivery attempts made in the bucket' },
      succeeded: { ...count, description: 'Attempts answered with a 2xx' },
      failed: { ...count, description: 'Attempts that failed (non-2xx, timeout, refused, network error)' },
    },
  },
  Stats: {
    type: 'object',
    required: ['window', 'bucket_seconds', 'from', 'to', 'buckets', 'totals', 'deliveries'],
    properties: {
      window: { type: 'string', enum: Object.keys(STATS_WINDOWS) },
      bucket_seconds: { type: 'integer', enum: Object.values(STATS_WINDOWS).map((w) => w.bucketSeconds) },
      from: time,
      to: { ...time, description: 'End of the bucket holding the current time' },
      buckets: {
        type: 'array',
        items: ref('StatsBucket'),
        description: 'Every bucket of the window, oldest first, empty ones included',
      },
      totals: {
        type: 'object',
        required: ['events', 'attempts', 'succeeded', 'failed', 'success_rate'],
        properties: {
          events: count,
          attempts: count,
          succeeded: count,
          failed: count,
          success_rate: {
            oneOf: [{ type: 'number', minimum: 0, maximum: 1 }, { type: 'null' }],
            description: 'succeeded / attempts; null when there was no attempt',
          },
        },
      },
      deliveries: {
        type: 'object',
        description:
          'Deliveries (one per event and subscription) not yet done, now. Each count stops at 10,000 (so the query stays cheap however large a backlog is): `exact` is false when one did.',
        required: ['pending', 'retrying', 'failed', 'exact'],
        properties: {
          pending: { ...count, description: 'Waiting for their first attempt or a retry' },
          retrying: {
            ...count,
            description: 'Of the pending counted, those that have failed at least once and wait for a retry',
          },
          failed: { ...count, description: 'Every attempt used (dead-lettered): waiting for a redeliver or replay' },
          exact: { type: 'boolean' },
        },
      },
    },
  },
};

const bucket = (start: string, events: number, attempts: number, succeeded: number) => ({
  start,
  events,
  attempts,
  succeeded,
  failed: attempts - succeeded,
});

export const dashboardPaths: Record<string, PathItem> = {
  '/api/stats': {
    get: authenticated({
      operationId: 'getStats',
      tags: ['Dashboard'],
      summary: 'Events and delivery outcomes over a recent window, in buckets',
      description:
        'What the dashboard’s overview draws: events ingested and delivery attempts (with their success rate) per bucket of the window (`1h`: 1-minute buckets, `6h`: 5 minutes, `24h`: 15 minutes), and the deliveries pending, retrying and failed right now. Counts against the requests budget like any read.',
      parameters: [
        {
          name: 'window',
          in: 'query',
          description: 'How far back to look',
          schema: { type: 'string', enum: Object.keys(STATS_WINDOWS), default: '1h' },
        },
      ],
      responses: {
        '200': ok('The window’s figures', ref('Stats'), {
          window: '1h',
          bucket_seconds: 60,
          from: '2026-01-15T08:31:00.000Z',
          to: '2026-01-15T09:31:00.000Z',
          buckets: [bucket('2026-01-15T08:31:00.000Z', 12, 12, 12), bucket('2026-01-15T09:30:00.000Z', 40, 44, 40)],
          totals: { events: 52, attempts: 56, succeeded: 52, failed: 4, success_rate: 0.9286 },
          deliveries: { pending: 3, retrying: 1, failed: 2, exact: true },
        }),
        '422': { $ref: '#/components/responses/ValidationFailed' },
      },
    }),
  },
  '/dashboard': {
    get: {
      operationId: 'dashboard',
      tags: ['Dashboard'],
      summary: 'The organization dashboard (HTML; its scripts and styles are served under /dashboard/assets/)',
      description:
        'Sign in by pasting an API key (kept in the tab’s sessionStorage only); every figure and action then goes through this API. Served with a Content-Security-Policy that allows only the dashboard’s own scripts and styles.',
      security: [],
      responses: { '200': text('An HTML page', 'text/html', '<!doctype html>…') },
    },
  },
};
