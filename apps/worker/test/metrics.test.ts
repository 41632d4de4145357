import { afterAll, beforeAll, describe, expect, test } from '@jest/globals';
import { connect } from '@triggers/db';
import { createLogger } from '@triggers/logger';
import { createTestDatabase } from '@triggers/testing';
import { sql } from 'kysely';
import { LOCK_NAMESPACE } from '../src/maintenance/periodic-tasks.js';
import { MetricsServer } from '../src/metrics/metrics-server.js';
import { WorkerMetrics } from '../src/metrics/worker-metrics.js';
import { createOrg, enqueueEvent, findEvent } from './helpers/fixtures.js';
import { eventually, type Receiver, startReceiver } from './helpers/receiver.js';
import { startWorker, type TestWorker } from './helpers/worker.js';

let w: TestWorker;
let r: Receiver;
let server: MetricsServer;
let base: string;
const logger = createLogger({ service: 'worker-test', level: 'error', silent: true });

beforeAll(async () => {
  w = await startWorker(await createTestDatabase());
  r = await startReceiver((_req, i) => (i === 0 ? { status: 500 } : { status: 200 }));
  server = new MetricsServer({ db: w.database.db, metrics: w.worker.metrics, logger, port: 0, host: '127.0.0.1' });
  base = `http://127.0.0.1:${await server.start()}`;
});

afterAll(async () => {
  await server.stop();
  await w.stop();
  await r.close();
});

describe('the metrics server', () => {
  test('/metrics counts deliveries by outcome, attempts, latency and queue depth', async () => {
    const org = await createOrg(w.database.db, { webhookUrl: r.url });
    const id = await enqueueEvent(w.database.db, w.boss, org.id);
    await eventually(async () => ((await findEvent(w.database.db, id)).status === 'delivered' ? true : null));

    const res = await fetch(`${base}/metrics`);
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toContain('text/plain');
    const text = await res.text();
    expect(text).toContain('webhook_deliveries_total{outcome="retrying"} 1');
    expect(text).toContain('webhook_deliveries_total{outcome="delivered"} 1');
    expect(text).toContain('webhook_delivery_attempts_total{result="5xx"} 1');
    expect(text).toContain('webhook_delivery_attempts_total{result="2xx"} 1');
    expect(text).toContain('webhook_delivery_duration_seconds_count{result="2xx"} 1');
    expect(text).toContain('webhook_delivery_lag_seconds_count 1');
    expect(text).toMatch(/delivery_queue_jobs\{queue="event-delivery",state="ready"\} \d+/);
    expect(text).toMatch(/delivery_queue_jobs\{queue="event-delivery-dead",state="queued"\} \d+/);
    expect(text).toContain('webhook_deliveries_in_flight 0');
  });

  test('database_up is 1 while Postgres answers and 0 when it does not', async () => {
    const reachable = new WorkerMetrics({ db: w.database.db, defaultMetrics: false });
    expect(await reachable.registry.metrics()).toMatch(/^database_up 1$/m);
    const nowhere = connect({ connectionString: 'postgres://postgres@127.0.0.1:1/none', max: 1 });
    try {
      const unreachable = new WorkerMetrics({ db: nowhere.db, defaultMetrics: false });
      expect(await unreachable.registry.metrics()).toMatch(/^database_up 0$/m);
    } finally {
      await nowhere.close();
    }
  });

  test('/health answers 200 while the database answers', async () => {
    const res = await fetch(`${base}/health`);
    expect(res.status).toBe(200);
    expect(await res.json()).toEqual({ status: 'healthy', database: 'ok' });
  });

  test('unknown paths and methods get JSON errors', async () => {
    const missing = await fetch(`${base}/nope`);
    expect(missing.status).toBe(404);
    expect(await missing.json()).toMatchObject({ code: 'not_found' });
    const wrong = await fetch(`${base}/metrics`, { method: 'POST' });
    expect(wrong.status).toBe(405);
  });
});

describe('the periodic maintenance', () => {
  test('deletes dedup records whose window has passed and keeps the rest', async () => {
    const org = await createOrg(w.database.db, { webhookUrl: null });
    const event = await enqueueEvent(w.database.db, w.boss, org.id);
    await sql`
      INSERT INTO event_dedup (org_id, dedup_id, event_id, expires_at)
      SELECT ${org.id}::uuid, 'old-' || n, ${event}::uuid, now() - interval '1 minute' FROM generate_series(1, 25) n
      UNION ALL SELECT ${org.id}::uuid, 'live', ${event}::uuid, now() + interval '1 hour'`.execute(w.database.db);

    expect(await w.worker.maintenance.runOnce('dedup-records')).toBe(25);

    const rows = await w.database.db.selectFrom('event_dedup').select('dedup_id').where('org_id', '=', org.id).execute();
    expect(rows.map((row) => row.dedup_id)).toEqual(['live']);
  });

  test('deletes inbox leases that have expired, with their holds, and keeps unexpired ones', async () => {
    const org = await createOrg(w.database.db, { webhookUrl: null });
    await sql`
      INSERT INTO inbox_leases (id, org_id, expires_at)
      SELECT gen_random_uuid(), ${org.id}::uuid, now() - interval '1 second' FROM generate_series(1, 25)
      UNION ALL SELECT '00000000-0000-4000-8000-000000000001', ${org.id}::uuid, now() + interval '1 minute'`.execute(
      w.database.db,
    );
    await sql`
      INSERT INTO event_leases (event_id, lease_id, expires_at)
      SELECT gen_random_uuid(), id, expires_at FROM inbox_leases, generate_series(1, 3)`.execute(w.database.db);

    expect(await w.worker.maintenance.runOnce('inbox-leases')).toBe(25);

    const leases = await w.database.db.selectFrom('inbox_leases').select('id').where('org_id', '=', org.id).execute();
    expect(leases.map((row) => row.id)).toEqual(['00000000-0000-4000-8000-000000000001']);
    const holds = await w.database.db.selectFrom('event_leases').select('lease_id').execute();
    expect(holds.map((row) => row.lease_id)).toEqual(Array(3).fill('00000000-0000-4000-8000-000000000001'));
  });

  test('deletes rate-limit windows of both budgets that ended more than five minutes ago, not the current one', async () => {
    const org = await createOrg(w.database.db, { webhookUrl: null });
    await sql`
      INSERT INTO rate_limit_windows (org_id, budget, window_start, claimed)
      VALUES (${org.id}, 'events', now() - interval '10 minutes', 5), (${org.id}, 'requests', now() - interval '10 minutes', 4),
        (${org.id}, 'requests', date_trunc('minute', now()), 3)`.execute(w.database.db);

    expect(await w.worker.maintenance.runOnce('rate-limit-windows')).toBe(2);

    const rows = await w.database.db.selectFrom('rate_limit_windows').select('claimed').where('org_id', '=', org.id).execute();
    expect(rows.map((row) => row.claimed)).toEqual([3]);
  });

  test('a task another worker is running (its advisory lock held) is skipped', async () => {
    const held = await w.database.pool.connect();
    try {
      await held.query('SELECT pg_advisory_lock($1::int, $2::int)', [LOCK_NAMESPACE, 1]);
      expect(await w.worker.maintenance.runOnce('dedup-records')).toBeUndefined();
    } finally {
      await held.query('SELECT pg_advisory_unlock_all()');
      held.release();
    }
    expect(await w.worker.maintenance.runOnce('dedup-records')).toBe(0);
  });
});
