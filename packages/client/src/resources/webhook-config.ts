import type { Transport } from '../http/transport.js';
import type { RotatedWebhookSecret, WebhookConfig } from '../types.js';

type Options = { signal?: AbortSignal };

/** The organization's default subscription (all event types), as v1's single webhook. */
export class WebhookConfigs {
  constructor(private readonly transport: Transport) {}

  /** GET /api/webhook/config: its URL and signing secret (`null`s when there is none, or it is disabled). */
  async get(options: Options = {}): Promise<WebhookConfig> {
    const reply = await this.transport.request<WebhookConfig>({
      method: 'GET',
      path: '/api/webhook/config',
      idempotent: true,
      signal: options.signal,
    });
    return reply.body;
  }

  /** POST /api/webhook/config: creates it or changes its URL; `null` deletes it. */
  async set(webhookUrl: string | null, options: Options = {}): Promise<WebhookConfig> {
    const reply = await this.transport.request<WebhookConfig>({
      method: 'POST',
      path: '/api/webhook/config',
      body: { webhook_url: webhookUrl },
      idempotent: true,
      signal: options.signal,
    });
    return reply.body;
  }

  /** POST /api/webhook/secret/rotate */
  async rotateSecret(options: Options = {}): Promise<RotatedWebhookSecret> {
    const reply = await this.transport.request<RotatedWebhookSecret>({
      method: 'POST',
      path: '/api/webhook/secret/rotate',
      idempotent: false,
      signal: options.signal,
    });
    return reply.body;
  }
}
