// Standard Webhooks signing has one owner, @triggers/client: receivers verify with it, `triggers
// listen` signs with it, and the worker signs its deliveries with the same code (node:crypto,
// several times cheaper per delivery than the standardwebhooks package's pure-JavaScript
// SHA-256; a test holds the bytes equal to that package's).
export { type SignedHeaders, signWebhook } from '@triggers/client';
