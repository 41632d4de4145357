import { randomUUID } from 'node:crypto';
import type { RequestListener } from 'node:http';
import http from 'node:http';
import type { Duplex } from 'node:stream';

/** How long a caller may take to send a request; past these it is answered 408 and cut off. */
export interface ServerTimeouts {
  /** The request line and headers (Node's default is 60 s). */
  headersTimeoutMs: number;
  /** The whole request, body included, from its first byte (Node's default is 5 minutes). */
  requestTimeoutMs: number;
  /** How often Node looks for requests past those bounds: the cut comes at most this late. */
  checkIntervalMs: number;
  /** An idle kept-alive connection (longer than a load balancer's 60 s, so it closes first). */
  keepAliveTimeoutMs: number;
}

/**
 * A body trickled a byte at a time holds a connection and its buffers for as long as it is let:
 * every request must arrive whole within 30 s (headers within 10 s). A 4 MiB batch, the largest
 * body, needs 1.1 Mbit/s for that.
 */
export const SERVER_TIMEOUTS: ServerTimeouts = {
  headersTimeoutMs: 10_000,
  requestTimeoutMs: 30_000,
  checkIntervalMs: 1_000,
  keepAliveTimeoutMs: 65_000,
};

/** What Node's HTTP parser reports, as the contract's error: status, code and message. */
function clientErrorOf(code: string | undefined): [number, string, string] {
  switch (code) {
    case 'ERR_HTTP_REQUEST_TIMEOUT':
      return [408, 'request_timeout', 'The request was not received in time'];
    case 'HPE_HEADER_OVERFLOW':
      return [431, 'headers_too_large', 'Request header fields are too large'];
    case 'HPE_CHUNK_EXTENSIONS_OVERFLOW':
      return [413, 'payload_too_large', 'Request chunk extensions are too large'];
    default:
      return [400, 'bad_request', 'Malformed HTTP request'];
  }
}

/**
 * Errors Node answers before any route runs (a request too slow, headers too large, a malformed
 * request) get the contract's JSON error body, not Node's bare status line. Node hands them to
 * 'clientError' with the raw socket; nothing of the response may have been sent yet.
 */
export function answerClientError(error: Error & { code?: string }, socket: Duplex): void {
  const pending = (socket as Duplex & { _httpMessage?: { headersSent?: boolean } })._httpMessage;
  if (error.code === 'ECONNRESET' || !socket.writable || pending?.headersSent) {
    socket.destroy();
    return;
  }
  const [status, code, message] = clientErrorOf(error.code);
  const requestId = randomUUID();
  const body = JSON.stringify({ error: message, code, request_id: requestId });
  socket.end(
    `HTTP/1.1 ${status} ${http.STATUS_CODES[status]}\r\n` +
      'Content-Type: application/json; charset=utf-8\r\n' +
      `Content-Length: ${Buffer.byteLength(body)}\r\n` +
      `X-Request-ID: ${requestId}\r\n` +
      'X-Content-Type-Options: nosniff\r\n' +
      'Connection: close\r\n\r\n' +
      body,
    // Once sent, stop reading whatever the caller is still sending.
    () => socket.destroy(),
  );
}

/** The API's HTTP server: `app` behind the timeouts above and JSON answers to client errors. */
export function createServer(app: RequestListener, timeouts: ServerTimeouts = SERVER_TIMEOUTS): http.Server {
  const server = http.createServer(
    {
      headersTimeout: timeouts.headersTimeoutMs,
      requestTimeout: timeouts.requestTimeoutMs,
      connectionsCheckingInterval: timeouts.checkIntervalMs,
      keepAliveTimeout: timeouts.keepAliveTimeoutMs,
    },
    app,
  );
  server.on('clientError', answerClientError);
  return server;
}
