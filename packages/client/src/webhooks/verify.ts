import { computeSignature, signatureMatches, signingKey } from './signature.js';

/** Request headers as node:http gives them (lower-case names), or a fetch `Headers`. */
export type WebhookHeaders = Headers | Record<string, string | string[] | undefined>;

/** The body the worker POSTs to a subscription's target (OpenAPI schema WebhookDelivery). */
export interface WebhookDelivery<TData = Record<string, unknown>> {
  event_id: string;
  type: string;
  data: TData;
  created_at: string;
  attempt: number;
}

export type WebhookVerificationCode =
  | 'missing_headers'
  | 'invalid_timestamp'
  | 'timestamp_out_of_tolerance'
  | 'invalid_signature'
  | 'invalid_json';

/**
 * A delivery that cannot be trusted. `status` is what a receiver should answer: `400` for a
 * malformed request (headers missing, timestamp not a number, body not a JSON object), `401`
 * when it is not signed by any of the secrets or was signed too long ago (a replay).
 */
export class WebhookVerificationError extends Error {
  readonly code: WebhookVerificationCode;
  readonly status: 400 | 401;

  constructor(code: WebhookVerificationCode, message: string) {
    super(message);
    this.name = 'WebhookVerificationError';
    this.code = code;
    this.status = code === 'invalid_signature' || code === 'timestamp_out_of_tolerance' ? 401 : 400;
  }
}

export interface VerifyOptions {
  /** How far `webhook-timestamp` may be from now, either way. Default 300 (Standard Webhooks' five minutes). */
  toleranceSeconds?: number;
  /** The clock, for tests. */
  now?: () => Date;
}

export const DEFAULT_TOLERANCE_SECONDS = 300;

function header(headers: WebhookHeaders, name: string): string | undefined {
  if (typeof (headers as Headers).get === 'function') return (headers as Headers).get(name) ?? undefined;
  const record = headers as Record<string, string | string[] | undefined>;
  const value = record[name] ?? Object.entries(record).find(([key]) => key.toLowerCase() === name)?.[1];
  return Array.isArray(value) ? value[0] : value;
}

/**
 * Checks a delivery's Standard Webhooks signature and returns its parsed body. `rawBody` must be
 * the bytes as they arrived (not a re-serialised parse). `secrets` is the subscription's secret,
 * or several during a rotation: the delivery is accepted when any `v1` signature it carries
 * matches any secret. Signatures are compared in constant time. Throws WebhookVerificationError.
 */
export function verifyWebhook<TData = Record<string, unknown>>(
  rawBody: string | Uint8Array,
  headers: WebhookHeaders,
  secrets: string | readonly string[],
  options: VerifyOptions = {},
): WebhookDelivery<TData> {
  const keys = (typeof secrets === 'string' ? [secrets] : secrets).map(signingKey);
  if (keys.length === 0) throw new TypeError('verifyWebhook needs at least one secret');
  const id = header(headers, 'webhook-id');
  const timestamp = header(headers, 'webhook-timestamp');
  const signature = header(headers, 'webhook-signature');
  if (!id || !timestamp || !signature) {
    throw new WebhookVerificationError('missing_headers', 'Missing webhook-id, webhook-timestamp or webhook-signature header');
  }
  if (!/^\d{1,15}$/.test(timestamp)) throw new WebhookVerificationError('invalid_timestamp', 'Invalid webhook-timestamp header');
  const tolerance = options.toleranceSeconds ?? DEFAULT_TOLERANCE_SECONDS;
  const nowSeconds = Math.floor((options.now?.() ?? new Date()).getTime() / 1000);
  if (Math.abs(nowSeconds - Number(timestamp)) > tolerance) {
    throw new WebhookVerificationError('timestamp_out_of_tolerance', 'Webhook timestamp is outside the tolerance');
  }
  const candidates = signature
    .split(' ')
    .filter((part) => part.startsWith('v1,'))
    .map((part) => part.slice(3));
  // Every secret against every signature, with no early exit: the time taken does not tell which matched.
  let verified = false;
  for (const key of keys) {
    const expected = computeSignature(key, id, timestamp, rawBody);
    for (const candidate of candidates) verified = signatureMatches(expected, candidate) || verified;
  }
  if (!verified) throw new WebhookVerificationError('invalid_signature', 'No matching webhook signature');
  let body: unknown;
  try {
    body = JSON.parse(typeof rawBody === 'string' ? rawBody : Buffer.from(rawBody).toString('utf8'));
  } catch {
    throw new WebhookVerificationError('invalid_json', 'Webhook body is not valid JSON');
  }
  if (typeof body !== 'object' || body === null || Array.isArray(body)) {
    throw new WebhookVerificationError('invalid_json', 'Webhook body is not a JSON object');
  }
  return body as WebhookDelivery<TData>;
}
