import { randomUUID } from 'node:crypto';
import { errorFromResponse, type Transport } from '../http/transport.js';
import type { BatchResult, CreatedEvent, EventDetail, EventRequest, Redelivered, Replayed, ReplayRequest } from '../types.js';

/** The most events one POST /api/events/batch takes. */
export const MAX_BATCH = 1000;

interface DuplicateBody {
  code?: string;
  dedup_id?: string;
  event_id?: string;
}

export interface SendManyOptions {
  /** Events per request, 1–1000 (default 1000). An organization's tier may need fewer: a batch larger than its whole budget is refused. */
  batchSize?: number;
  /** Called after each batch with the number of events sent so far and the total. */
  onProgress?: (sent: number, total: number) => void;
  signal?: AbortSignal;
}

/**
 * Ingest and inspect events. Every event goes out with an idempotency key (the caller's
 * `dedup_id`, else a random one: the `Idempotency-Key` header for one event, a `dedup_id` per
 * event in a batch), so a request sent again after a lost response cannot store an event twice.
 * When a request had to be sent more than once, the API's `409 duplicate_event` for one of its
 * events is the earlier attempt's success and is returned as such.
 */
export class Events {
  constructor(private readonly transport: Transport) {}

  /** POST /api/events. Throws TriggersError 409 `duplicate_event` when `dedup_id` was used within the dedup window. */
  async send(event: EventRequest, options: { signal?: AbortSignal } = {}): Promise<CreatedEvent> {
    const headers: Record<string, string> = event.dedup_id === undefined ? { 'idempotency-key': randomUUID() } : {};
    const reply = await this.transport.request<CreatedEvent | DuplicateBody>({
      method: 'POST',
      path: '/api/events',
      body: event,
      headers,
      idempotent: true,
      accept: [409],
      signal: options.signal,
    });
    if (reply.status !== 409) return reply.body as CreatedEvent;
    const duplicate = reply.body as DuplicateBody;
    if (reply.attempts === 1 || duplicate.code !== 'duplicate_event' || !duplicate.event_id) {
      throw errorFromResponse(reply.status, reply.headers, reply.body, reply.requestId);
    }
    const stored = await this.get(duplicate.event_id, options);
    return { id: stored.id, type: stored.type, status: 'pending', dedup_id: stored.dedup_id, created_at: stored.created_at };
  }

  /**
   * POST /api/events/batch: up to 1,000 events in one request; one result per event, in order
   * (`status` 201, 409, 413 or 422).
   */
  async sendBatch(events: readonly EventRequest[], options: { signal?: AbortSignal } = {}): Promise<BatchResult[]> {
    if (events.length === 0 || events.length > MAX_BATCH) throw new RangeError(`a batch holds 1 to ${MAX_BATCH} events`);
    const keyed = events.map((e) => (e.dedup_id === undefined ? { ...e, dedup_id: randomUUID() } : e));
    const reply = await this.transport.request<{ results: BatchResult[] }>({
      method: 'POST',
      path: '/api/events/batch',
      body: { events: keyed },
      idempotent: true,
      signal: options.signal,
    });
    if (reply.attempts === 1) return reply.body.results;
    return reply.body.results.map((result, i) => {
      const duplicate = result as BatchResult & DuplicateBody;
      if (result.status !== 409 || duplicate.code !== 'duplicate_event' || !duplicate.event_id) return result;
      const input = keyed[i] as EventRequest;
      return { status: 201, id: duplicate.event_id, type: input.type, dedup_id: input.dedup_id ?? null } as BatchResult;
    });
  }

  /** Any number of events, in batches of `batchSize` (default 1,000) sent one after another; the results of all, in order. */
  async sendMany(events: readonly EventRequest[], options: SendManyOptions = {}): Promise<BatchResult[]> {
    const size = options.batchSize ?? MAX_BATCH;
    if (!Number.isInteger(size) || size < 1 || size > MAX_BATCH) throw new RangeError(`batchSize must be 1 to ${MAX_BATCH}`);
    const results: BatchResult[] = [];
    for (let start = 0; start < events.length; start += size) {
      results.push(...(await this.sendBatch(events.slice(start, start + size), options)));
      options.onProgress?.(results.length, events.length);
    }
    return results;
  }

  /** GET /api/events/:id: the event with its deliveries and attempts. */
  async get(id: string, options: { signal?: AbortSignal } = {}): Promise<EventDetail> {
    const reply = await this.transport.request<EventDetail>({
      method: 'GET',
      path: `/api/events/${encodeURIComponent(id)}`,
      idempotent: true,
      signal: options.signal,
    });
    return reply.body;
  }

  /** POST /api/events/:id/redeliver: a fresh delivery to that subscription, or to every one whose delivery is not pending. */
  async redeliver(id: string, options: { subscriptionId?: string; signal?: AbortSignal } = {}): Promise<Redelivered> {
    const reply = await this.transport.request<Redelivered>({
      method: 'POST',
      path: `/api/events/${encodeURIComponent(id)}/redeliver`,
      body: options.subscriptionId === undefined ? {} : { subscription_id: options.subscriptionId },
      idempotent: false,
      signal: options.signal,
    });
    return reply.body;
  }

  /** POST /api/events/replay: a fresh delivery of every event matching the filter (at most 100,000 per call). */
  async replay(filter: ReplayRequest, options: { signal?: AbortSignal } = {}): Promise<Replayed> {
    const reply = await this.transport.request<Replayed>({
      method: 'POST',
      path: '/api/events/replay',
      body: filter,
      idempotent: false,
      signal: options.signal,
    });
    return reply.body;
  }
}
