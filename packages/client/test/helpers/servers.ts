import http from 'node:http';
import type { AddressInfo } from 'node:net';

export interface SeenRequest {
  method: string;
  url: string;
  headers: http.IncomingHttpHeaders;
  body: string;
}

export interface TestServer {
  url: string;
  requests: SeenRequest[];
  close(): Promise<void>;
}

/** A real HTTP server on 127.0.0.1 that records each request (with its body) and lets `handle` answer it. */
export async function startServer(
  handle: (request: SeenRequest, index: number, res: http.ServerResponse, req: http.IncomingMessage) => void | Promise<void>,
): Promise<TestServer> {
  const requests: SeenRequest[] = [];
  const server = http.createServer(async (req, res) => {
    const chunks: Buffer[] = [];
    for await (const chunk of req) chunks.push(chunk as Buffer);
    const request = {
      method: req.method ?? '',
      url: req.url ?? '',
      headers: req.headers,
      body: Buffer.concat(chunks).toString('utf8'),
    };
    const index = requests.push(request) - 1;
    await handle(request, index, res, req);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    requests,
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}

const HOP_HEADERS = ['connection', 'keep-alive', 'transfer-encoding', 'content-length', 'content-encoding'];

/**
 * A proxy to `target` that forwards every request and, for those `drop` picks, lets the target
 * answer but cuts the connection instead of passing the answer on: the caller sees a network
 * error for a request the target did process.
 */
export function startDroppingProxy(target: string, drop: (request: SeenRequest, index: number) => boolean): Promise<TestServer> {
  return startServer(async (request, index, res) => {
    const headers = Object.fromEntries(
      Object.entries(request.headers).filter(([name]) => !['host', 'connection', 'content-length'].includes(name)),
    ) as Record<string, string>;
    const upstream = await fetch(new URL(request.url, target), {
      method: request.method,
      headers,
      body: request.method === 'GET' || request.method === 'HEAD' ? undefined : request.body,
    });
    const text = await upstream.text();
    if (drop(request, index)) {
      res.socket?.destroy();
      return;
    }
    const passed = [...upstream.headers].filter(([name]) => !HOP_HEADERS.includes(name));
    res.writeHead(upstream.status, Object.fromEntries(passed));
    res.end(text);
  });
}
