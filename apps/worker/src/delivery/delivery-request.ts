import { signWebhook } from '@triggers/client';
import { VERSION } from '@triggers/config';
import type { DeliveryContext } from '@triggers/delivery';

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
 * The contract's body and headers for one attempt of one delivery (event × subscription), signed with the subscription's secrets. The stored payload is spliced in as the JSON
 * text Postgres gave (never parsed and re-encoded), and the signature covers exactly these bytes.
 */
export function buildDeliveryRequest(
  event: Pick<DeliveryContext, 'eventId' | 'subscriptionId' | 'type' | 'payload' | 'createdAt'>,
  subscription: { targetUrl: string; secrets: readonly string[] },
  attempt: number,
  now: Date,
): DeliveryRequest {
  const body =
    `{"event_id":${JSON.stringify(event.eventId)},"type":${JSON.stringify(event.type)},` +
    `"data":${event.payload},"created_at":${JSON.stringify(event.createdAt.toISOString())},"attempt":${attempt}}`;
  const signed = signWebhook({ id: event.eventId, body, secrets: subscription.secrets, timestamp: now });
  return {
    url: subscription.targetUrl,
    body,
    headers: {
      'content-type': 'application/json',
      'user-agent': USER_AGENT,
      'x-event-id': event.eventId,
      'x-event-type': headerValue(event.type),
      'x-subscription-id': event.subscriptionId,
      'x-delivery-attempt': String(attempt),
      ...signed,
    },
  };
}
