import type { Transport } from '../http/transport.js';
import { paginate } from '../pages.js';
import type {
  CreatedSubscription,
  RotatedSubscriptionSecret,
  Subscription,
  SubscriptionPage,
  SubscriptionRequest,
  SubscriptionSecret,
  SubscriptionUpdate,
} from '../types.js';

type Options = { signal?: AbortSignal };
const path = (id: string, tail = '') => `/api/subscriptions/${encodeURIComponent(id)}${tail}`;

/** Where events are pushed: up to 100 subscriptions per organization, each with its patterns and signing secret. */
export class Subscriptions {
  constructor(private readonly transport: Transport) {}

  /** POST /api/subscriptions: the new subscription with its signing secret (shown here and by `secret()`). */
  async create(request: SubscriptionRequest, options: Options = {}): Promise<CreatedSubscription> {
    const reply = await this.transport.request<CreatedSubscription>({
      method: 'POST',
      path: '/api/subscriptions',
      body: request,
      idempotent: false,
      signal: options.signal,
    });
    return reply.body;
  }

  /** GET /api/subscriptions: one page, newest first. */
  async list(query: { limit?: number; cursor?: string } = {}, options: Options = {}): Promise<SubscriptionPage> {
    const reply = await this.transport.request<SubscriptionPage>({
      method: 'GET',
      path: '/api/subscriptions',
      query,
      idempotent: true,
      signal: options.signal,
    });
    return reply.body;
  }

  /** Every subscription, newest first, page after page as the loop asks for them. */
  iterate(query: { limit?: number } = {}, options: Options = {}): AsyncGenerator<Subscription> {
    return paginate(async (cursor) => {
      const page = await this.list({ ...query, cursor }, options);
      return { items: page.subscriptions, next_cursor: page.next_cursor, has_more: page.has_more };
    });
  }

  /** GET /api/subscriptions/:id */
  async get(id: string, options: Options = {}): Promise<Subscription> {
    return (
      await this.transport.request<Subscription>({ method: 'GET', path: path(id), idempotent: true, signal: options.signal })
    ).body;
  }

  /** PATCH /api/subscriptions/:id: any of target_url, event_types, description, status. */
  async update(id: string, changes: SubscriptionUpdate, options: Options = {}): Promise<Subscription> {
    const reply = await this.transport.request<Subscription>({
      method: 'PATCH',
      path: path(id),
      body: changes,
      idempotent: true,
      signal: options.signal,
    });
    return reply.body;
  }

  /** Its deliveries wait (not attempted, not failed) until it is resumed. */
  pause(id: string, options: Options = {}): Promise<Subscription> {
    return this.update(id, { status: 'paused' }, options);
  }

  /** Active again (a disabled one too); waiting deliveries go out. */
  resume(id: string, options: Options = {}): Promise<Subscription> {
    return this.update(id, { status: 'active' }, options);
  }

  /** DELETE /api/subscriptions/:id: its pending deliveries are cancelled. */
  async delete(id: string, options: Options = {}): Promise<void> {
    await this.transport.request<undefined>({ method: 'DELETE', path: path(id), idempotent: true, signal: options.signal });
  }

  /** GET /api/subscriptions/:id/secret */
  async secret(id: string, options: Options = {}): Promise<SubscriptionSecret> {
    const reply = await this.transport.request<SubscriptionSecret>({
      method: 'GET',
      path: path(id, '/secret'),
      idempotent: true,
      signal: options.signal,
    });
    return reply.body;
  }

  /** POST /api/subscriptions/:id/secret/rotate: for 24 h deliveries carry signatures with both secrets. */
  async rotateSecret(id: string, options: Options = {}): Promise<RotatedSubscriptionSecret> {
    const reply = await this.transport.request<RotatedSubscriptionSecret>({
      method: 'POST',
      path: path(id, '/secret/rotate'),
      idempotent: false,
      signal: options.signal,
    });
    return reply.body;
  }
}
