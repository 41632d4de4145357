import type { Transport } from '../http/transport.js';
import { paginate } from '../pages.js';
import type {
  AckBatchResult,
  Acknowledged,
  InboxEvent,
  InboxPage,
  InboxQuery,
  Lease,
  LeaseExtension,
  LeaseRequest,
} from '../types.js';
import { MAX_BATCH } from './events.js';

type Options = { signal?: AbortSignal };

/** Pull consumption: the inbox, leases and acknowledgements. */
export class Inbox {
  constructor(private readonly transport: Transport) {}

  /** GET /api/inbox: one page, newest first (default: events not yet delivered or acknowledged). */
  async list(query: InboxQuery = {}, options: Options = {}): Promise<InboxPage> {
    const reply = await this.transport.request<InboxPage>({
      method: 'GET',
      path: '/api/inbox',
      query: query as Record<string, string | number | undefined>,
      idempotent: true,
      signal: options.signal,
    });
    return reply.body;
  }

  /** Every inbox event matching `query`, newest first, page after page as the loop asks for them. */
  iterate(query: Omit<InboxQuery, 'cursor'> = {}, options: Options = {}): AsyncGenerator<InboxEvent> {
    return paginate(async (cursor) => {
      const page = await this.list({ ...query, cursor }, options);
      return { items: page.events, next_cursor: page.next_cursor, has_more: page.has_more };
    });
  }

  /** POST /api/inbox/lease: the oldest unacknowledged events no other lease holds, held for `visibility_seconds`. */
  async lease(request: LeaseRequest = {}, options: Options = {}): Promise<Lease> {
    // Sent again after a lost response, a lease only holds events until it expires: nothing is lost.
    const reply = await this.transport.request<Lease>({
      method: 'POST',
      path: '/api/inbox/lease',
      body: request,
      idempotent: true,
      signal: options.signal,
    });
    return reply.body;
  }

  /** POST /api/inbox/lease/:lease_id/extend: keeps the lease's unacknowledged events longer. 404 once it expired. */
  async extendLease(leaseId: string, visibilitySeconds: number, options: Options = {}): Promise<LeaseExtension> {
    const reply = await this.transport.request<LeaseExtension>({
      method: 'POST',
      path: `/api/inbox/lease/${encodeURIComponent(leaseId)}/extend`,
      body: { visibility_seconds: visibilitySeconds },
      idempotent: true,
      signal: options.signal,
    });
    return reply.body;
  }

  /** POST /api/ack/:event_id. Idempotent: acking again returns the first `acknowledged_at`. */
  async ack(eventId: string, options: Options = {}): Promise<Acknowledged> {
    const reply = await this.transport.request<Acknowledged>({
      method: 'POST',
      path: `/api/ack/${encodeURIComponent(eventId)}`,
      idempotent: true,
      signal: options.signal,
    });
    return reply.body;
  }

  /** POST /api/ack, 1,000 ids per request: which ids were acknowledged and which were not found. */
  async ackMany(eventIds: readonly string[], options: Options = {}): Promise<AckBatchResult> {
    const result: AckBatchResult = { acknowledged: [], not_found: [] };
    for (let start = 0; start < eventIds.length; start += MAX_BATCH) {
      const reply = await this.transport.request<AckBatchResult>({
        method: 'POST',
        path: '/api/ack',
        body: { event_ids: eventIds.slice(start, start + MAX_BATCH) },
        idempotent: true,
        signal: options.signal,
      });
      result.acknowledged.push(...reply.body.acknowledged);
      result.not_found.push(...reply.body.not_found);
    }
    return result;
  }
}
