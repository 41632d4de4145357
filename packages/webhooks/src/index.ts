export { generateWebhookSecret } from './secret.js';
export { type SignedHeaders, signWebhook } from './sign.js';
