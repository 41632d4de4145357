// npm run bench:lease — competing pull consumers: how many events per second 4 consumers lease
// (100 at a time) and acknowledge (one batch per lease) from one inbox, through the API, and
// what one lease call costs. See docs/benchmarks.md.
//
// Env: DATABASE_URL (a server the benchmark may create a database on), BENCH_EVENTS (20000 in
// the inbox), BENCH_RUNS (3), BENCH_CONSUMERS (4), BENCH_LEASE_LIMIT (100), BENCH_API_PROCESSES (1).
import { mkdirSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import { performance } from 'node:perf_hooks';
import { fileURLToPath } from 'node:url';
import pg from 'pg';
import { appEnv, appNodeArgs } from '../scripts/lib/app-command.js';
import { withBenchDatabase } from './lib/database.js';
import { percentile } from './lib/load.js';
import { freePort, startProcess, stopProcess, waitForHttp } from './lib/processes.js';

const eventCount = Number(process.env.BENCH_EVENTS ?? 20_000);
const runs = Number(process.env.BENCH_RUNS ?? 3);
const consumers = Number(process.env.BENCH_CONSUMERS ?? 4);
const leaseLimit = Number(process.env.BENCH_LEASE_LIMIT ?? 100);
const apiProcesses = Number(process.env.BENCH_API_PROCESSES ?? 1);

async function post(url, key, body) {
  const res = await fetch(url, {
    method: 'POST',
    headers: { 'content-type': 'application/json', 'x-api-key': key },
    body: JSON.stringify(body),
  });
  const json = await res.json();
  if (res.status !== 200) throw new Error(`${url}: ${res.status} ${JSON.stringify(json)}`);
  return json;
}

async function signUp(baseUrl, name) {
  const res = await fetch(`${baseUrl}/api/keys/generate`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ organization_name: name, tier: 'enterprise' }),
  });
  if (res.status !== 201) throw new Error(`sign-up failed: ${res.status} ${await res.text()}`);
  const body = await res.json();
  return { id: body.organization_id, key: body.api_key };
}

/** `count` pending events with a 1 KB payload, one millisecond apart, straight into the table. */
async function fillInbox(client, orgId, count) {
  await client.query(
    `INSERT INTO events (id, org_id, type, payload, created_at)
     SELECT gen_random_uuid(), $1, 'order.created',
       jsonb_build_object('order_id', g, 'note', repeat('x', 1000)), now() - interval '1 hour' + g * interval '1 ms'
     FROM generate_series(1, $2) g`,
    [orgId, count],
  );
  await client.query('ANALYZE events');
}

/**
 * `consumers` loops, consumer c on API process c mod n: lease `leaseLimit` events, then
 * acknowledge them in one batch, until a lease comes back empty (no lease expires during a run,
 * so an empty lease means the inbox is drained).
 */
async function drain(baseUrls, key) {
  const leaseMs = [];
  const ackMs = [];
  const handed = [];
  const started = performance.now();
  await Promise.all(
    Array.from({ length: consumers }, async (_, c) => {
      const baseUrl = baseUrls[c % baseUrls.length];
      for (;;) {
        let t = performance.now();
        const lease = await post(`${baseUrl}/api/inbox/lease`, key, { limit: leaseLimit, visibility_seconds: 300 });
        leaseMs.push(performance.now() - t);
        if (lease.events.length === 0) return;
        const ids = lease.events.map((e) => e.id);
        handed.push(...ids);
        t = performance.now();
        const acked = await post(`${baseUrl}/api/ack`, key, { event_ids: ids });
        ackMs.push(performance.now() - t);
        if (acked.not_found.length > 0) throw new Error(`ack: ${acked.not_found.length} not found`);
      }
    }),
  );
  const seconds = (performance.now() - started) / 1000;
  leaseMs.sort((a, b) => a - b);
  ackMs.sort((a, b) => a - b);
  return { seconds, handed, leaseMs, ackMs };
}

await withBenchDatabase(async (databaseUrl) => {
  const apis = [];
  const baseUrls = [];
  for (let i = 0; i < apiProcesses; i++) {
    const port = await freePort();
    apis.push(
      startProcess(appNodeArgs('api'), {
        ...appEnv('api'),
        DATABASE_URL: databaseUrl,
        PORT: String(port),
        HOST: '127.0.0.1',
        LOG_LEVEL: 'warn',
      }),
    );
    baseUrls.push(`http://127.0.0.1:${port}`);
  }
  const client = new pg.Client({ connectionString: databaseUrl });
  await client.connect();
  try {
    for (const url of baseUrls) await waitForHttp(`${url}/health`);
    console.log(
      `lease benchmark: ${consumers} consumers, lease ${leaseLimit} + ack batch, ${eventCount} events of 1 KB, ` +
        `${apiProcesses} API process(es), ${os.cpus().length} CPUs`,
    );
    const warmUp = await signUp(baseUrls[0], 'warm-up');
    await fillInbox(client, warmUp.id, 2000);
    await drain(baseUrls, warmUp.key);

    const results = [];
    for (let run = 1; run <= runs; run++) {
      const org = await signUp(baseUrls[0], `run-${run}`);
      await fillInbox(client, org.id, eventCount);
      const { seconds, handed, leaseMs, ackMs } = await drain(baseUrls, org.key);
      const unique = new Set(handed).size;
      const { rows } = await client.query(
        'SELECT count(*)::int AS n FROM events WHERE org_id = $1 AND acknowledged_at IS NOT NULL',
        [org.id],
      );
      if (handed.length !== eventCount || unique !== eventCount || rows[0].n !== eventCount) {
        throw new Error(`run ${run}: handed ${handed.length}, unique ${unique}, acknowledged ${rows[0].n} of ${eventCount}`);
      }
      const result = {
        run,
        eventsPerSecond: eventCount / seconds,
        seconds,
        leaseCalls: leaseMs.length,
        lease: { p50: percentile(leaseMs, 50), p95: percentile(leaseMs, 95), p99: percentile(leaseMs, 99) },
        ack: { p50: percentile(ackMs, 50), p95: percentile(ackMs, 95), p99: percentile(ackMs, 99) },
      };
      results.push(result);
      const ms = (p) => `${p.p50.toFixed(1)} / ${p.p95.toFixed(1)} / ${p.p99.toFixed(1)}`;
      console.log(
        `run ${run}: ${result.eventsPerSecond.toFixed(0)} events/s leased and acknowledged (${eventCount} in ${seconds.toFixed(2)} s, ` +
          `each once)  lease call p50/p95/p99 ${ms(result.lease)} ms  ack batch p50/p95/p99 ${ms(result.ack)} ms`,
      );
    }
    const dir = fileURLToPath(new URL('./results/', import.meta.url));
    mkdirSync(dir, { recursive: true });
    writeFileSync(
      `${dir}/lease-${Date.now()}.json`,
      `${JSON.stringify({ at: new Date().toISOString(), cpus: os.cpus().length, consumers, leaseLimit, eventCount, apiProcesses, results }, null, 2)}\n`,
    );
  } finally {
    await client.end();
    for (const api of apis) await stopProcess(api);
  }
});
