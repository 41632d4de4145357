export { generateWebhookSecret } from './secret.js';
