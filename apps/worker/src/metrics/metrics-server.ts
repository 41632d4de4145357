import http from 'node:http';
import { type Db, databaseAnswers } from '@triggers/db';
import type { Logger } from '@triggers/logger';
import { listen } from '@triggers/runtime';
import type { WorkerMetrics } from './worker-metrics.js';

export interface MetricsServerOptions {
  db: Db;
  metrics: WorkerMetrics;
  logger: Logger;
  port: number;
  host: string;
}

function json(res: http.ServerResponse, status: number, body: unknown): void {
  res.writeHead(status, { 'content-type': 'application/json' });
  res.end(JSON.stringify(body));
}

/** `/metrics` (Prometheus text), `/health` (database reachable) and `/health/live` on WORKER_METRICS_PORT. */
export class MetricsServer {
  private server: http.Server | undefined;

  constructor(private readonly options: MetricsServerOptions) {}

  async start(): Promise<number> {
    const { db, metrics, logger } = this.options;
    const server = http.createServer((req, res) => {
      const path = (req.url ?? '/').split('?')[0];
      const known = path === '/metrics' || path === '/health' || path === '/health/live';
      if (!known) return json(res, 404, { error: 'Not found', code: 'not_found' });
      if (req.method !== 'GET' && req.method !== 'HEAD') {
        res.setHeader('allow', 'GET, HEAD');
        return json(res, 405, { error: 'Method not allowed', code: 'method_not_allowed' });
      }
      if (path === '/health/live') return json(res, 200, { status: 'alive' });
      if (path === '/health') {
        void databaseAnswers(db).then((ok) =>
          ok
            ? json(res, 200, { status: 'healthy', database: 'ok' })
            : json(res, 503, { status: 'unhealthy', database: 'unreachable' }),
        );
        return;
      }
      metrics.registry.metrics().then(
        (text) => {
          res.writeHead(200, { 'content-type': metrics.registry.contentType });
          res.end(text);
        },
        (err: unknown) => {
          logger.error('metrics collection failed', { err });
          json(res, 500, { error: 'Metrics collection failed', code: 'internal_error' });
        },
      );
    });
    server.keepAliveTimeout = 65_000;
    const port = await listen(server, this.options.port, this.options.host);
    this.server = server;
    return port;
  }

  async stop(): Promise<void> {
    const server = this.server;
    if (!server) return;
    this.server = undefined;
    await new Promise<void>((resolve) => {
      server.close(() => resolve());
      server.closeAllConnections();
    });
  }
}
