import type { IncomingMessage, ServerResponse } from 'node:http';
import { type VerifyOptions, verifyWebhook, type WebhookDelivery, WebhookVerificationError } from './verify.js';

export interface WebhookReceiverOptions extends VerifyOptions {
  /** The subscription's signing secret, or several during a rotation. */
  secrets: string | readonly string[];
  /** Larger bodies are answered `413`. Default 1 MiB (an event payload is at most 256 KB). */
  maxBodyBytes?: number;
}

/** A request as Express hands it over: `body` may hold the raw bytes (express.raw) and `webhook` gets the event. */
export type WebhookRequest = IncomingMessage & { body?: unknown; rawBody?: unknown; webhook?: WebhookDelivery };

const DEFAULT_MAX_BODY_BYTES = 1024 * 1024;

class BodyTooLarge extends Error {}

/** The body's bytes: from express.raw/express.text or a `rawBody` another parser kept, else read from the stream. */
async function readRawBody(req: WebhookRequest, maxBytes: number): Promise<Buffer> {
  for (const held of [req.body, req.rawBody]) {
    if (Buffer.isBuffer(held)) return held;
    if (typeof held === 'string') return Buffer.from(held, 'utf8');
  }
  if (req.readableEnded) {
    throw new Error(
      'The request body was already parsed: mount the webhook middleware before express.json(), or use express.raw() on its route',
    );
  }
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req) {
    size += (chunk as Buffer).length;
    if (size > maxBytes) throw new BodyTooLarge();
    chunks.push(chunk as Buffer);
  }
  return Buffer.concat(chunks);
}

function reject(res: ServerResponse, status: number, code: string, error: string): void {
  res.writeHead(status, { 'content-type': 'application/json' });
  res.end(JSON.stringify({ error, code }));
}

/** Reads and verifies; answers 400/401/413 itself and resolves to undefined when the delivery is refused. */
async function receive(
  req: WebhookRequest,
  res: ServerResponse,
  options: WebhookReceiverOptions,
): Promise<WebhookDelivery | undefined> {
  let body: Buffer;
  try {
    body = await readRawBody(req, options.maxBodyBytes ?? DEFAULT_MAX_BODY_BYTES);
  } catch (error) {
    if (!(error instanceof BodyTooLarge)) throw error;
    reject(res, 413, 'payload_too_large', 'Webhook body is too large');
    req.resume();
    return undefined;
  }
  try {
    return verifyWebhook(body, req.headers, options.secrets, options);
  } catch (error) {
    if (!(error instanceof WebhookVerificationError)) throw error;
    reject(res, error.status, error.code, error.message);
    return undefined;
  }
}

/**
 * Express middleware: verifies the delivery, puts the parsed event on `req.webhook` and calls
 * `next()`; a delivery that fails verification is answered `400`/`401` (JSON error body) and
 * goes no further. Mount it on the webhook route before any JSON body parser, e.g.
 * `app.post('/webhook', webhookMiddleware({ secrets }), (req, res) => …)`.
 */
export function webhookMiddleware(options: WebhookReceiverOptions) {
  return (req: WebhookRequest, res: ServerResponse, next: (error?: unknown) => void): void => {
    receive(req, res, options).then((delivery) => {
      if (!delivery) return;
      req.webhook = delivery;
      next();
    }, next);
  };
}

/**
 * A node:http request listener: verifies each delivery and hands the parsed event to `handler`,
 * which answers. Refused deliveries get `400`/`401`; a handler that throws gets `500` (so the
 * sender retries). `http.createServer(webhookHandler({ secrets }, (event, req, res) => …))`.
 */
export function webhookHandler(
  options: WebhookReceiverOptions,
  handler: (delivery: WebhookDelivery, req: IncomingMessage, res: ServerResponse) => unknown,
): (req: IncomingMessage, res: ServerResponse) => Promise<void> {
  return async (req, res) => {
    try {
      const delivery = await receive(req, res, options);
      if (delivery) await handler(delivery, req, res);
    } catch {
      if (!res.headersSent) reject(res, 500, 'handler_error', 'Webhook handler failed');
      else res.destroy();
    }
  };
}
