import { setTimeout as delay } from 'node:timers/promises';
import { DEFAULT_RETRY_POLICY, type RetryPolicy } from './http/retry.js';
import { type RetryInfo, Transport } from './http/transport.js';
import { Events } from './resources/events.js';
import { Inbox } from './resources/inbox.js';
import { Keys } from './resources/keys.js';
import { Subscriptions } from './resources/subscriptions.js';
import { WebhookConfigs } from './resources/webhook-config.js';
import type { Health } from './types.js';
import { CLIENT_VERSION } from './version.js';

export interface TriggersClientOptions {
  /** Where the API answers, e.g. `http://localhost:8080`. */
  baseUrl: string;
  /** The organization's key (`zap_live_…`); only `keys.generate()` works without one. */
  apiKey?: string;
  /** Sent as `Authorization: Bearer …` on sign-up when the API sets ADMIN_TOKEN. */
  adminToken?: string;
  /** Each attempt's time limit. Default 30 s. */
  timeoutMs?: number;
  /** Retries of network errors, 429 (after its Retry-After) and 5xx. */
  retry?: Partial<RetryPolicy>;
  /** Told before each retry, e.g. to show "rate limited, retrying in 12 s". */
  onRetry?: (info: RetryInfo) => void;
  userAgent?: string;
  /** For tests: the HTTP client, the wait between attempts, the clock and the jitter. */
  fetch?: typeof fetch;
  sleep?: (ms: number, signal?: AbortSignal) => Promise<void>;
  now?: () => number;
  random?: () => number;
}

/**
 * A typed client of every endpoint of the Triggers API contract, grouped as the API is:
 * `events`, `inbox`, `subscriptions`, `keys`, `webhookConfig`. Errors are TriggersError.
 */
export class TriggersClient {
  readonly events: Events;
  readonly inbox: Inbox;
  readonly subscriptions: Subscriptions;
  readonly keys: Keys;
  readonly webhookConfig: WebhookConfigs;
  private readonly transport: Transport;

  constructor(options: TriggersClientOptions) {
    if (!URL.canParse(options.baseUrl)) throw new TypeError(`baseUrl is not a URL: ${options.baseUrl}`);
    this.transport = new Transport({
      baseUrl: options.baseUrl,
      apiKey: options.apiKey,
      adminToken: options.adminToken,
      fetch: options.fetch ?? globalThis.fetch,
      sleep: options.sleep ?? ((ms, signal) => delay(ms, undefined, { signal })),
      now: options.now ?? Date.now,
      random: options.random ?? Math.random,
      retry: { ...DEFAULT_RETRY_POLICY, ...options.retry },
      timeoutMs: options.timeoutMs ?? 30_000,
      userAgent: options.userAgent ?? `triggers-client/${CLIENT_VERSION} node/${process.versions.node}`,
      onRetry: options.onRetry,
    });
    this.events = new Events(this.transport);
    this.inbox = new Inbox(this.transport);
    this.subscriptions = new Subscriptions(this.transport);
    this.keys = new Keys(this.transport, (key) => {
      this.transport.apiKey = key;
    });
    this.webhookConfig = new WebhookConfigs(this.transport);
  }

  /** GET /health: whether the API reaches its database (a 503 is returned, not thrown). */
  async health(options: { signal?: AbortSignal } = {}): Promise<Health> {
    const reply = await this.transport.request<Health>({
      method: 'GET',
      path: '/health',
      auth: 'none',
      idempotent: true,
      accept: [503],
      signal: options.signal,
    });
    return reply.body;
  }
}
