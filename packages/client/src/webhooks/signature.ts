import { createHmac, timingSafeEqual } from 'node:crypto';

/** The Standard Webhooks headers of one delivery attempt (a type literal, so it passes as a header record). */
export type SignedHeaders = {
  'webhook-id': string;
  'webhook-timestamp': string;
  'webhook-signature': string;
};

const SECRET_PREFIX = 'whsec_';

/** The HMAC key of a `whsec_` secret: the base64-decoded part after the prefix. */
export function signingKey(secret: string): Buffer {
  const key = Buffer.from(secret.startsWith(SECRET_PREFIX) ? secret.slice(SECRET_PREFIX.length) : secret, 'base64');
  if (key.length === 0) throw new TypeError("Secret can't be empty.");
  return key;
}

/** base64 HMAC-SHA256 of `{id}.{timestamp}.{body}`, over the body's bytes as they arrived. */
export function computeSignature(key: Buffer, id: string, timestamp: string, body: string | Uint8Array): Buffer {
  return createHmac('sha256', key).update(`${id}.${timestamp}.`, 'utf8').update(body).digest();
}

/** Whether `candidate` (a base64 signature) equals `expected`, in constant time. */
export function signatureMatches(expected: Buffer, candidate: string): boolean {
  const given = Buffer.from(candidate, 'base64');
  return given.length === expected.length && timingSafeEqual(given, expected);
}

/**
 * Standard Webhooks headers for `body`, signed with each secret: space-separated `v1,…`
 * signatures, so a receiver holding either the new or the previous secret verifies a delivery
 * while a rotation is under way. The one signer of the project: the worker signs its deliveries
 * with it, `triggers listen` the events it forwards, and receivers can test with it. The same
 * bytes as the `standardwebhooks` package's `Webhook.sign` (a test holds them equal), computed
 * with node:crypto, several times cheaper per delivery than that package's pure-JavaScript SHA-256.
 */
export function signWebhook(options: {
  id: string;
  body: string | Uint8Array;
  secrets: string | readonly string[];
  timestamp?: Date;
}): SignedHeaders {
  const seconds = String(Math.floor((options.timestamp ?? new Date()).getTime() / 1000));
  const secrets = typeof options.secrets === 'string' ? [options.secrets] : options.secrets;
  if (secrets.length === 0) throw new TypeError('signWebhook needs at least one secret');
  const signatures = secrets.map(
    (secret) => `v1,${computeSignature(signingKey(secret), options.id, seconds, options.body).toString('base64')}`,
  );
  return { 'webhook-id': options.id, 'webhook-timestamp': seconds, 'webhook-signature': signatures.join(' ') };
}
