import { signWebhook } from '@triggers/client';
import { VERSION } from '@triggers/config';
import type { DeliveryTarget } from './deliveries.repository.js';

export const USER_AGENT = `triggers-api/${VERSION}`;

export interface DeliveryRequest {
  url: string;
  body: string;
  headers: Record<string, string>;
}

/** Characters Node accepts in a header value; anything else is percent-encoded. */
const HEADER_SAFE = /^[\t\x20-\x7e]*$/;

function headerValue(value: string): string {
  return HEADER_SAFE.test(value) ? value : encodeURIComponent(value);
}

/**
 * The contract's body and headers for one attempt. The stored payload is spliced in as the JSON
 * text Postgres gave (never parsed and re-encoded), and the signature covers exactly these bytes.
 */
export function buildDeliveryRequest(
  target: DeliveryTarget & { webhookUrl: string },
  attempt: number,
  now: Date,
): DeliveryRequest {
  const body =
    `{"event_id":${JSON.stringify(target.eventId)},"type":${JSON.stringify(target.type)},` +
    `"data":${target.payload},"created_at":${JSON.stringify(target.createdAt.toISOString())},"attempt":${attempt}}`;
  const signed = signWebhook({ id: target.eventId, body, secrets: target.secrets, timestamp: now });
  return {
    url: target.webhookUrl,
    body,
    headers: {
      'content-type': 'application/json',
      'user-agent': USER_AGENT,
      'x-event-id': target.eventId,
      'x-event-type': headerValue(target.type),
      'x-delivery-attempt': String(attempt),
      ...signed,
    },
  };
}
