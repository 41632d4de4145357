import { Webhook } from 'standardwebhooks';

export interface SignedHeaders {
  'webhook-id': string;
  'webhook-timestamp': string;
  'webhook-signature': string;
}

/**
 * Standard Webhooks headers for one attempt: `v1,<base64 HMAC-SHA256 of "{id}.{timestamp}.{body}">`
 * per secret, space-separated, so a receiver holding either the new or the previous secret
 * verifies the delivery while a rotation is under way.
 */
export function signWebhook(options: { id: string; body: string; secrets: readonly string[]; timestamp?: Date }): SignedHeaders {
  const timestamp = options.timestamp ?? new Date();
  const signatures = options.secrets.map((secret) => new Webhook(secret).sign(options.id, timestamp, options.body));
  return {
    'webhook-id': options.id,
    'webhook-timestamp': String(Math.floor(timestamp.getTime() / 1000)),
    'webhook-signature': signatures.join(' '),
  };
}
