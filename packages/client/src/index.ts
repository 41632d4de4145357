export { TriggersClient, type TriggersClientOptions } from './client.js';
export { TriggersError } from './http/errors.js';
export { DEFAULT_RETRY_POLICY, type RetryPolicy } from './http/retry.js';
export type { RetryInfo } from './http/transport.js';
export { type Page, paginate } from './pages.js';
export { MAX_BATCH, type SendManyOptions } from './resources/events.js';
export type * from './types.js';
export { CLIENT_VERSION } from './version.js';
export { type WebhookReceiverOptions, type WebhookRequest, webhookHandler, webhookMiddleware } from './webhooks/middleware.js';
export { type SignedHeaders, signWebhook } from './webhooks/signature.js';
export {
  DEFAULT_TOLERANCE_SECONDS,
  type VerifyOptions,
  verifyWebhook,
  type WebhookDelivery,
  type WebhookHeaders,
  type WebhookVerificationCode,
  WebhookVerificationError,
} from './webhooks/verify.js';
