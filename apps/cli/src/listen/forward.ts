import { type InboxEvent, signWebhook } from '@triggers/client';
import { CLI_VERSION } from '../command.js';

export interface Forwarded {
  ok: boolean;
  /** The local server's status, when it answered. */
  status: number | undefined;
  error: string | undefined;
  durationMs: number;
}

/**
 * POSTs `event` to `url` as the worker delivers it: the same JSON body and headers, Standard
 * Webhooks signature with `secret`, redirects not followed. A 2xx within `timeoutMs` is success.
 */
export async function forwardEvent(options: {
  url: string;
  event: InboxEvent;
  secret: string;
  attempt: number;
  timeoutMs: number;
  signal: AbortSignal;
}): Promise<Forwarded> {
  const { event } = options;
  const body = JSON.stringify({
    event_id: event.id,
    type: event.type,
    data: event.payload,
    created_at: event.created_at,
    attempt: options.attempt,
  });
  const headers = {
    'content-type': 'application/json',
    'user-agent': `triggers-cli/${CLI_VERSION}`,
    'x-event-id': event.id,
    'x-event-type': event.type,
    'x-delivery-attempt': String(options.attempt),
    ...signWebhook({ id: event.id, body, secrets: options.secret }),
  };
  const started = performance.now();
  try {
    const response = await fetch(options.url, {
      method: 'POST',
      headers,
      body,
      redirect: 'manual',
      signal: AbortSignal.any([options.signal, AbortSignal.timeout(options.timeoutMs)]),
    });
    await response.arrayBuffer();
    const durationMs = Math.round(performance.now() - started);
    const ok = response.status >= 200 && response.status < 300;
    return { ok, status: response.status, error: ok ? undefined : `HTTP ${response.status}`, durationMs };
  } catch (error) {
    const cause = (error as { cause?: { code?: string; message?: string } }).cause;
    const message =
      (error as Error).name === 'TimeoutError'
        ? `no answer within ${options.timeoutMs} ms`
        : (cause?.code ?? cause?.message ?? (error as Error).message);
    return { ok: false, status: undefined, error: message, durationMs: Math.round(performance.now() - started) };
  }
}
