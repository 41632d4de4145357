import { storedKey } from './session.js';

/** An error answer of the API (or no answer at all: status 0), as the dashboard shows it. */
export class ApiError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
    readonly requestId: string | null,
    /** Seconds until a rate-limited request may be tried again. */
    readonly retryAfter: number | null = null,
    readonly details: { field: string; message: string }[] = [],
  ) {
    super(message);
  }
}

type Query = Record<string, string | number | undefined>;

function withQuery(path: string, query: Query = {}): string {
  const params = new URLSearchParams();
  for (const [name, value] of Object.entries(query)) if (value !== undefined && value !== '') params.set(name, String(value));
  const text = params.toString();
  return text ? `${path}?${text}` : path;
}

/** One call of the public API with the signed-in key; resolves to the JSON body (undefined for 204). */
export async function call<T>(method: string, path: string, body?: unknown): Promise<T> {
  const headers: Record<string, string> = { Accept: 'application/json' };
  const key = storedKey();
  if (key) headers['X-API-Key'] = key;
  if (body !== undefined) headers['Content-Type'] = 'application/json';
  let res: Response;
  try {
    res = await fetch(path, { method, headers, body: body === undefined ? undefined : JSON.stringify(body), cache: 'no-store' });
  } catch {
    throw new ApiError(0, 'network_error', 'The API could not be reached', null);
  }
  const requestId = res.headers.get('X-Request-ID');
  if (res.status === 204) return undefined as T;
  let data: unknown;
  try {
    data = await res.json();
  } catch {
    throw new ApiError(res.status, 'bad_response', `The API answered ${res.status} without a JSON body`, requestId);
  }
  if (res.ok) return data as T;
  const error = (data ?? {}) as { error?: string; code?: string; request_id?: string; retry_after?: number; details?: [] };
  const retryHeader = Number(res.headers.get('Retry-After'));
  const retryAfter =
    typeof error.retry_after === 'number' ? error.retry_after : Number.isFinite(retryHeader) ? retryHeader : null;
  throw new ApiError(
    res.status,
    error.code ?? 'error',
    error.error ?? `The API answered ${res.status}`,
    error.request_id ?? requestId,
    res.status === 429 ? retryAfter : null,
    Array.isArray(error.details) ? error.details : [],
  );
}

export type EventStatus = 'pending' | 'delivered' | 'failed';

export interface Organization {
  organization_id: string;
  organization_name: string;
  tier: string;
  rate_limit_per_minute: number;
  key_prefix: string;
}

export interface StatsBucket {
  start: string;
  events: number;
  attempts: number;
  succeeded: number;
  failed: number;
}

export interface Stats {
  window: string;
  bucket_seconds: number;
  from: string;
  to: string;
  buckets: StatsBucket[];
  totals: { events: number; attempts: number; succeeded: number; failed: number; success_rate: number | null };
  deliveries: { pending: number; retrying: number; failed: number; exact: boolean };
}

export interface InboxEvent {
  id: string;
  type: string;
  payload: unknown;
  dedup_id: string | null;
  status: EventStatus;
  attempts: number;
  created_at: string;
  delivered_at: string | null;
  last_error: string | null;
}

export interface InboxPage {
  events: InboxEvent[];
  next_cursor: string | null;
  has_more: boolean;
}

export interface Delivery {
  subscription_id: string;
  status: 'pending' | 'delivered' | 'failed' | 'cancelled';
  attempts: number;
  last_error: string | null;
  delivered_at: string | null;
  next_attempt_at: string | null;
}

export interface Attempt {
  subscription_id?: string | null;
  attempt: number;
  status_code: number | null;
  error: string | null;
  duration_ms: number;
  attempted_at: string;
}

export interface EventDetail extends InboxEvent {
  acknowledged_at: string | null;
  /** Absent on an API without subscriptions. */
  deliveries?: Delivery[];
  delivery_attempts: Attempt[];
}

export interface Subscription {
  id: string;
  target_url: string;
  event_types: string[];
  description: string | null;
  status: 'active' | 'paused' | 'disabled';
  disabled_reason?: 'gone' | 'failing' | null;
  disabled_at?: string | null;
  circuit?: { state: 'closed' | 'open' | 'half_open'; opened_at: string | null; next_probe_at: string | null };
  created_at: string;
  updated_at: string;
}

export interface SubscriptionPage {
  subscriptions: Subscription[];
  next_cursor: string | null;
  has_more: boolean;
}

export interface SubscriptionInput {
  target_url?: string;
  event_types?: string[];
  description?: string;
  status?: 'active' | 'paused';
}

export interface ReplayFilter {
  from: string;
  to: string;
  type?: string;
  status?: EventStatus;
  subscription_id?: string;
}

export const api = {
  organization: () => call<Organization>('GET', '/api/keys'),
  stats: (window: string) => call<Stats>('GET', withQuery('/api/stats', { window })),
  inbox: (query: { status?: string; type?: string; limit?: number; cursor?: string }) =>
    call<InboxPage>('GET', withQuery('/api/inbox', query)),
  event: (id: string) => call<EventDetail>('GET', `/api/events/${encodeURIComponent(id)}`),
  sendEvent: (type: string, payload: Record<string, unknown>) =>
    call<{ id: string; type: string; created_at: string }>('POST', '/api/events', { type, payload }),
  redeliver: (id: string, subscriptionId?: string) =>
    call<{ id: string; status: string }>(
      'POST',
      `/api/events/${encodeURIComponent(id)}/redeliver`,
      subscriptionId ? { subscription_id: subscriptionId } : {},
    ),
  ack: (id: string) => call<{ acknowledged_at: string }>('POST', `/api/ack/${encodeURIComponent(id)}`),
  subscriptions: (cursor?: string) => call<SubscriptionPage>('GET', withQuery('/api/subscriptions', { limit: 100, cursor })),
  subscription: (id: string) => call<Subscription>('GET', `/api/subscriptions/${encodeURIComponent(id)}`),
  createSubscription: (input: SubscriptionInput) => call<Subscription & { secret: string }>('POST', '/api/subscriptions', input),
  updateSubscription: (id: string, input: SubscriptionInput) =>
    call<Subscription>('PATCH', `/api/subscriptions/${encodeURIComponent(id)}`, input),
  deleteSubscription: (id: string) => call<void>('DELETE', `/api/subscriptions/${encodeURIComponent(id)}`),
  secret: (id: string) => call<{ secret: string }>('GET', `/api/subscriptions/${encodeURIComponent(id)}/secret`),
  rotateSecret: (id: string) =>
    call<{ secret: string; previous_secret_expires_at: string | null }>(
      'POST',
      `/api/subscriptions/${encodeURIComponent(id)}/secret/rotate`,
    ),
  previewReplay: (filter: ReplayFilter) =>
    call<{ would_replay: number }>('POST', '/api/events/replay', { ...filter, dry_run: true }),
  replay: (filter: ReplayFilter) => call<{ replayed: number }>('POST', '/api/events/replay', filter),
};
