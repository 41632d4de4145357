import { afterAll, beforeAll, describe, expect, test } from '@jest/globals';
import { connect, type DbHandle } from '@triggers/db';
import { createTestDatabase, serverUrl } from '@triggers/testing';
import { sql } from 'kysely';
import { startApiProcess } from '../../api/test/api-process.js';
import { findPgBouncer, type PgBouncer, startPgBouncer } from './helpers/pgbouncer.js';
import { spawnWorker, type WorkerProcess } from './helpers/process.js';
import { eventually, type Receiver, sleep, startReceiver } from './helpers/receiver.js';

// CI (.ci/run) installs Debian's pgbouncer package when it is missing; elsewhere, install it to run this.
const PGBOUNCER = findPgBouncer();
if (!PGBOUNCER) {
  console.warn(
    '\n!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!\n' +
      '!!! SKIPPED: the API and worker through PgBouncer: no pgbouncer binary on PATH or in /usr/sbin.\n' +
      '!!! Install it (Debian: apt-get install -y pgbouncer; .ci/run does) to run this test.\n' +
      '!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!\n',
  );
}
const describeWithPgBouncer = PGBOUNCER ? describe : describe.skip;

let directUrl: string;
let database: DbHandle;
let pgbouncer: PgBouncer;
let receiver: Receiver;
const apps: WorkerProcess[] = [];

beforeAll(async () => {
  if (!PGBOUNCER) return;
  directUrl = await createTestDatabase();
  database = connect({ connectionString: directUrl, max: 2 });
  pgbouncer = await startPgBouncer(PGBOUNCER, serverUrl());
  receiver = await startReceiver();
});

afterAll(async () => {
  for (const app of apps) {
    app.kill('SIGKILL');
    await app.exited;
  }
  await receiver?.close();
  await pgbouncer?.stop();
  await database?.close();
});

/** Log lines at warn or error, and anything on stderr. */
function troubles(app: WorkerProcess): Record<string, unknown>[] {
  return app.logs.filter((l) => l.level === 'error' || l.level === 'warn' || 'stderr' in l || 'raw' in l);
}

describeWithPgBouncer('the API and a worker behind PgBouncer in transaction mode', () => {
  test('ingest, dedup, key rotation and delivery all work, LISTEN stays on the direct connection, and neither process logs an error', async () => {
    // DATABASE_URL through the pooler; DATABASE_DIRECT_URL to Postgres (LISTEN, migrations, the worker's pg-boss).
    const env = {
      DATABASE_DIRECT_URL: directUrl,
      MIGRATE_ON_START: 'true',
      DATABASE_POOL_MAX: '4',
      WEBHOOK_TIMEOUT_MS: '5000',
    };
    const pooledUrl = pgbouncer.pooled(directUrl);
    const api = await startApiProcess(pooledUrl, { ...env, WEBHOOK_ALLOW_PRIVATE: 'true' });
    apps.push(api);
    const worker = await spawnWorker(pooledUrl, env);
    apps.push(worker);
    const base = api.base;
    const call = async (method: string, path: string, key?: string, body?: unknown) => {
      const res = await fetch(`${base}${path}`, {
        method,
        headers: { 'content-type': 'application/json', ...(key ? { 'x-api-key': key } : {}) },
        body: body === undefined ? undefined : JSON.stringify(body),
      });
      return { status: res.status, body: (await res.json()) as Record<string, unknown> };
    };

    const signup = await call('POST', '/api/keys/generate', undefined, { organization_name: 'Pooled', tier: 'enterprise' });
    expect(signup.status).toBe(201);
    const firstKey = signup.body.api_key as string;
    expect((await call('POST', '/api/webhook/config', firstKey, { webhook_url: receiver.url })).status).toBe(200);

    const ids: string[] = [];
    for (let n = 0; n < 20; n++) {
      const res = await call('POST', '/api/events', firstKey, { type: 'pooled.single', payload: { n }, dedup_id: `d-${n}` });
      expect(res.status).toBe(201);
      ids.push(res.body.id as string);
    }
    const batch = await call('POST', '/api/events/batch', firstKey, {
      events: Array.from({ length: 10 }, (_, n) => ({ type: 'pooled.batch', payload: { n } })),
    });
    expect(batch.status).toBe(200);
    for (const result of batch.body.results as { status: number; id: string }[]) {
      expect(result.status).toBe(201);
      ids.push(result.id);
    }
    const duplicate = await call('POST', '/api/events', firstKey, { type: 'pooled.single', payload: {}, dedup_id: 'd-3' });
    expect(duplicate).toMatchObject({ status: 409, body: { code: 'duplicate_event', event_id: ids[3] } });

    const rotated = await call('POST', '/api/keys/rotate', firstKey);
    expect(rotated.status).toBe(200);
    const secondKey = rotated.body.api_key as string;
    expect((await call('GET', '/api/keys', firstKey)).body).toMatchObject({ code: 'invalid_api_key' });
    expect((await call('GET', '/api/keys', secondKey)).status).toBe(200);
    for (let n = 20; n < 30; n++) {
      const res = await call('POST', '/api/events', secondKey, { type: 'pooled.single', payload: { n }, dedup_id: `d-${n}` });
      expect(res.status).toBe(201);
      ids.push(res.body.id as string);
    }
    expect((await call('POST', '/api/events', secondKey, { type: 'x', payload: {}, dedup_id: 'd-0' })).body).toMatchObject({
      code: 'duplicate_event',
      event_id: ids[0],
    });

    // Every event reaches the receiver once and is recorded delivered.
    await receiver.waitFor(ids.length, 30_000);
    await eventually(async () => {
      const { rows } = await sql<{ n: number }>`SELECT count(*)::int AS n FROM events WHERE status = 'delivered'`.execute(
        database.db,
      );
      return rows[0]?.n === ids.length;
    }, 30_000);
    expect(new Set(receiver.requests.map((r) => r.headers['webhook-id']))).toEqual(new Set(ids));

    // pg-boss checks its LISTEN session every 10 s: through a transaction pooler that check finds
    // the registration gone and logs an error. Wait for a check to have run, then look at the logs.
    const database_name = new URL(directUrl).pathname.slice(1);
    await eventually(async () => {
      const { rows } = await sql<{ n: number }>`
        SELECT count(*)::int AS n FROM pg_stat_activity
        WHERE datname = ${database_name} AND query LIKE '%pg_listening_channels()%'`.execute(database.db);
      return (rows[0]?.n ?? 0) > 0;
    }, 20_000);
    await sleep(1_000);

    // The traffic did go through the pooler.
    expect(pgbouncer.output()).toContain(`login attempt: db=${database_name}`);
    expect({ api: troubles(api), worker: troubles(worker) }).toEqual({ api: [], worker: [] });

    for (const app of [api, worker]) app.kill('SIGTERM');
    expect(await Promise.all([api.exited, worker.exited])).toEqual([
      { code: 0, signal: null },
      { code: 0, signal: null },
    ]);
  }, 120_000);
});
