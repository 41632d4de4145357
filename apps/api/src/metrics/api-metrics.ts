import type pg from 'pg';
import { Counter, collectDefaultMetrics, Gauge, Histogram, Registry } from 'prom-client';

/** The API's Prometheus metrics, on a registry of its own (one per app instance). */
export class ApiMetrics {
  readonly registry = new Registry();

  readonly httpRequests = new Counter({
    name: 'http_requests_total',
    help: 'HTTP requests by method, route and status code',
    labelNames: ['method', 'route', 'status'] as const,
    registers: [this.registry],
  });

  readonly httpDuration = new Histogram({
    name: 'http_request_duration_seconds',
    help: 'HTTP request latency by method, route and status code',
    labelNames: ['method', 'route', 'status'] as const,
    buckets: [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5],
    registers: [this.registry],
  });

  readonly eventsIngested = new Counter({
    name: 'events_ingested_total',
    help: 'Events stored and queued for delivery',
    registers: [this.registry],
  });

  readonly duplicates = new Counter({
    name: 'events_duplicate_total',
    help: 'Events refused as duplicates of an earlier dedup_id',
    registers: [this.registry],
  });

  readonly rateLimited = new Counter({
    name: 'rate_limited_requests_total',
    help: 'Requests refused with 429',
    registers: [this.registry],
  });

  /** `checkDatabase` (SELECT 1 with a timeout) backs `database_up`, asked on each scrape. */
  constructor(pool: pg.Pool, options: { defaultMetrics?: boolean; checkDatabase?: () => Promise<boolean> } = {}) {
    const checkDatabase = options.checkDatabase;
    if (checkDatabase) {
      new Gauge({
        name: 'database_up',
        help: 'Whether Postgres answered SELECT 1 within 1.5 s when this scrape asked (1) or not (0)',
        registers: [this.registry],
        async collect() {
          this.set((await checkDatabase()) ? 1 : 0);
        },
      });
    }
    new Gauge({
      name: 'db_pool_connections',
      help: 'Database pool connections by state',
      labelNames: ['state'] as const,
      registers: [this.registry],
      collect() {
        this.set({ state: 'total' }, pool.totalCount);
        this.set({ state: 'idle' }, pool.idleCount);
        this.set({ state: 'waiting' }, pool.waitingCount);
        this.set({ state: 'max' }, pool.options.max ?? 10);
      },
    });
    if (options.defaultMetrics ?? true) collectDefaultMetrics({ register: this.registry });
  }
}
