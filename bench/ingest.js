// npm run bench:ingest — POST /api/events against a bare node:http + pg baseline doing the same
// durable work, and the API again with tracing on, exporting to a local OTLP receiver (the cost
// of tracing). See docs/benchmarks.md for how to read it.
//
// Env: DATABASE_URL (a server the benchmark may create a database on), BENCH_DURATION (s, 20),
// BENCH_CONNECTIONS (32), BENCH_RATE (the fixed offered rate for the latency phase, 1000),
// BENCH_SUBSCRIPTIONS (matching subscriptions per organization to compare ingest at, "0,1,10").
// BENCH_TRACING (true: also measure the API with tracing off and on, alternating; false to skip).
import { randomBytes } from 'node:crypto';
import { mkdirSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import { fileURLToPath } from 'node:url';
import { startOtlpReceiver } from '@triggers/testing';
import pg from 'pg';
import { appEnv, appNodeArgs } from '../scripts/lib/app-command.js';
import { withBenchDatabase } from './lib/database.js';
import { runLoad, runOpenLoop } from './lib/load.js';
import { freePort, peakRssMb, startProcess, stopProcess, waitForHttp } from './lib/processes.js';

const duration = Number(process.env.BENCH_DURATION ?? 20);
const connections = Number(process.env.BENCH_CONNECTIONS ?? 32);
const fixedRate = Number(process.env.BENCH_RATE ?? 1000);
const subscriptionCounts = (process.env.BENCH_SUBSCRIPTIONS ?? '0,1,10').split(',').map(Number);
const tracing = (process.env.BENCH_TRACING ?? 'true') !== 'false';
const baselineScript = fileURLToPath(new URL('./lib/ingest-baseline-server.js', import.meta.url));

/** A 1 KB event body (the JSON-encoded payload is 1,024 bytes). */
function eventBody() {
  const base = { order_id: 'ord_0001', customer: 'cus_0001', total: 1999, currency: 'usd', note: '' };
  base.note = 'x'.repeat(1024 - JSON.stringify(base).length);
  return JSON.stringify({ type: 'order.created', payload: base });
}

async function signUp(baseUrl, name) {
  const res = await fetch(`${baseUrl}/api/keys/generate`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ organization_name: name, tier: 'enterprise' }),
  });
  if (res.status !== 201) throw new Error(`sign-up failed: ${res.status} ${await res.text()}`);
  return (await res.json()).api_key;
}

/** A subscription to every event type (its URL is never called: no worker runs here). */
async function subscribe(baseUrl, key, n) {
  const res = await fetch(`${baseUrl}/api/subscriptions`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', 'x-api-key': key },
    body: JSON.stringify({ target_url: `https://hooks.example.com/bench/${n}`, event_types: ['*'] }),
  });
  if (res.status !== 201) throw new Error(`subscribe failed: ${res.status} ${await res.text()}`);
}

function fmt(r) {
  return `${r.throughput.toFixed(0).padStart(6)} req/s  p50 ${r.p50.toFixed(1)} ms  p95 ${r.p95.toFixed(1)} ms  p99 ${r.p99.toFixed(1)} ms  errors ${r.errors}  non-201 ${r.unexpectedStatus}`;
}

async function benchApi(databaseUrl) {
  const { baseUrl, api } = await startApi(databaseUrl, {});
  try {
    const body = eventBody();
    const phase = async (name, extra, subscriptions = 0) => {
      // A fresh enterprise organization per phase keeps each inside its own rate-limit budget.
      const key = await signUp(baseUrl, name);
      for (let i = 0; i < subscriptions; i++) await subscribe(baseUrl, key, i);
      return runLoad({ url: `${baseUrl}/api/events`, headers: { 'x-api-key': key }, body, connections, duration, ...extra });
    };
    await phase('warm-up', { duration: 3 });
    const rssAfterWarmUp = peakRssMb(api.pid);
    const max = await phase('max');
    const rssAfterMax = peakRssMb(api.pid);
    // Ingest writes one fan-out job per event whatever matches: the same rate at 0, 1 and 10
    // matching subscriptions (no worker runs, so the fan-out itself is not part of this figure).
    const bySubscriptions = {};
    for (const n of subscriptionCounts) {
      bySubscriptions[n] = await phase(`subscriptions-${n}`, {}, n);
      console.log(`API       ${String(n).padStart(2)} matching subscriptions   ${fmt(bySubscriptions[n])}`);
    }
    const fixedKey = await signUp(baseUrl, 'fixed');
    const fixed = await runOpenLoop({
      url: `${baseUrl}/api/events`,
      headers: { 'x-api-key': fixedKey },
      body,
      connections,
      duration,
      rate: fixedRate,
    });
    return { max, fixed, bySubscriptions, peakRssMb: peakRssMb(api.pid), rssAfterWarmUp, rssAfterMax };
  } finally {
    await stopProcess(api);
  }
}

/** Starts the API as npm start does; resolves to its base URL and process. */
async function startApi(databaseUrl, env) {
  const port = await freePort();
  const baseUrl = `http://127.0.0.1:${port}`;
  const api = startProcess(appNodeArgs('api'), {
    ...appEnv('api'),
    DATABASE_URL: databaseUrl,
    PORT: String(port),
    HOST: '127.0.0.1',
    LOG_LEVEL: 'warn',
    ...env,
  });
  try {
    await waitForHttp(`${baseUrl}/health`);
  } catch (error) {
    await stopProcess(api);
    throw error;
  }
  return { baseUrl, api };
}

/**
 * The cost of tracing: two API processes side by side, one with tracing off and one exporting
 * OTLP/HTTP with the SDK's defaults (http/protobuf, batches of up to 512 spans every 5 s, every
 * trace sampled) to a receiver on 127.0.0.1 that answers as a collector would, each on its own
 * scratch database. Their max phases alternate (off, on, off, on, off, on: `rounds` each), so a
 * change in the machine's load (it is shared) falls on both alike.
 */
async function benchTracingCost(rounds = 3) {
  const receiver = await startOtlpReceiver();
  try {
    return await withBenchDatabase((offUrl) =>
      withBenchDatabase(async (onUrl) => {
        const off = await startApi(offUrl, {});
        const on = await startApi(onUrl, { OTEL_EXPORTER_OTLP_ENDPOINT: receiver.endpoint });
        try {
          const body = eventBody();
          const load = async (target, name, extra = {}) => {
            const key = await signUp(target.baseUrl, name);
            return runLoad({
              url: `${target.baseUrl}/api/events`,
              headers: { 'x-api-key': key },
              body,
              connections,
              duration,
              ...extra,
            });
          };
          await load(off, 'warm-up', { duration: 3 });
          await load(on, 'warm-up', { duration: 3 });
          const offRuns = [];
          const onRuns = [];
          for (let i = 0; i < rounds; i++) {
            offRuns.push(await load(off, `off-${i}`));
            onRuns.push(await load(on, `on-${i}`));
            console.log(`tracing   round ${i + 1}  off ${fmt(offRuns[i])}`);
            console.log(`tracing   round ${i + 1}  on  ${fmt(onRuns[i])}`);
          }
          const sum = (runs) => runs.reduce((n, r) => n + r.throughput, 0);
          return {
            rounds: offRuns.map((r, i) => ({ off: r, on: onRuns[i], ratio: onRuns[i].throughput / r.throughput })),
            ratio: sum(onRuns) / sum(offRuns),
            peakRssMb: { off: peakRssMb(off.api.pid), on: peakRssMb(on.api.pid) },
            exported: { ...receiver.stats },
          };
        } finally {
          await Promise.all([stopProcess(off.api), stopProcess(on.api)]);
        }
      }),
    );
  } finally {
    await receiver.close();
  }
}

async function benchHttpOnly() {
  const port = await freePort();
  const server = startProcess([baselineScript], { PORT: String(port), BASELINE_MODE: 'http-only' }, { ipcReady: true });
  try {
    await new Promise((resolve) => server.once('message', resolve));
    const url = `http://127.0.0.1:${port}/`;
    await runLoad({ url, body: eventBody(), connections, duration: 3 });
    return await runLoad({ url, body: eventBody(), connections, duration });
  } finally {
    await stopProcess(server);
  }
}

async function benchBaseline(databaseUrl) {
  const client = new pg.Client({ connectionString: databaseUrl });
  await client.connect();
  const { rows } = await client.query(
    "INSERT INTO organizations (name, key_prefix, key_hash) VALUES ('baseline', $1, 'none') RETURNING id",
    [`baseline_${randomBytes(6).toString('hex')}`],
  );
  await client.end();
  const port = await freePort();
  const server = startProcess(
    [baselineScript],
    { DATABASE_URL: databaseUrl, PORT: String(port), BASELINE_ORG_ID: rows[0].id },
    { ipcReady: true },
  );
  try {
    await new Promise((resolve) => server.once('message', resolve));
    const url = `http://127.0.0.1:${port}/`;
    const body = eventBody();
    await runLoad({ url, body, connections, duration: 3 });
    const max = await runLoad({ url, body, connections, duration });
    const fixed = await runOpenLoop({ url, body, connections, duration, rate: fixedRate });
    return { max, fixed, peakRssMb: peakRssMb(server.pid) };
  } finally {
    await stopProcess(server);
  }
}

await withBenchDatabase(async (databaseUrl) => {
  console.log(`ingest benchmark: ${connections} connections, ${duration} s per phase, 1 KB payloads, ${os.cpus().length} CPUs`);
  const loadAtStart = os.loadavg();
  console.log(`load average at start (1, 5, 15 min): ${loadAtStart.map((l) => l.toFixed(2)).join(' ')}`);
  const api = await benchApi(databaseUrl);
  console.log(`API       max      ${fmt(api.max)}`);
  console.log(`API       ${fixedRate}/s   ${fmt(api.fixed)}`);
  console.log(
    `API       peak RSS ${api.peakRssMb.toFixed(0)} MB (after warm-up ${api.rssAfterWarmUp.toFixed(0)} MB, after the max phase ${api.rssAfterMax.toFixed(0)} MB)`,
  );
  const baseline = await benchBaseline(databaseUrl);
  console.log(`baseline  max      ${fmt(baseline.max)}`);
  console.log(`baseline  ${fixedRate}/s   ${fmt(baseline.fixed)}`);
  const httpOnly = await benchHttpOnly();
  console.log(`HTTP only max      ${fmt(httpOnly)}   (node:http answering 201, no database work)`);
  const ratio = api.max.throughput / baseline.max.throughput;
  console.log(`ratio API/baseline throughput: ${ratio.toFixed(2)}`);
  const rates = Object.values(api.bySubscriptions).map((r) => r.throughput);
  if (rates.length > 1) {
    console.log(
      `ingest by matching subscriptions (${subscriptionCounts.join(', ')}): max/min ${(Math.max(...rates) / Math.min(...rates)).toFixed(2)}`,
    );
  }
  const traced = tracing ? await benchTracingCost() : undefined;
  if (traced) {
    console.log(
      `tracing   peak RSS off ${traced.peakRssMb.off.toFixed(0)} MB, on ${traced.peakRssMb.on.toFixed(0)} MB; exported ${traced.exported.requests} OTLP requests, ${(traced.exported.bytes / 1e6).toFixed(1)} MB`,
    );
    console.log(
      `ratio traced/untraced API throughput: ${traced.ratio.toFixed(2)} (rounds: ${traced.rounds.map((r) => r.ratio.toFixed(2)).join(', ')})`,
    );
  }
  console.log(
    `load average (1, 5, 15 min): ${os
      .loadavg()
      .map((l) => l.toFixed(2))
      .join(' ')}`,
  );
  const results = {
    httpOnly,
    at: new Date().toISOString(),
    cpus: os.cpus().length,
    connections,
    duration,
    fixedRate,
    api,
    baseline,
    ratio,
    traced,
    tracedRatio: traced?.ratio,
    loadAverage: { start: loadAtStart, end: os.loadavg() },
  };
  const dir = fileURLToPath(new URL('./results/', import.meta.url));
  mkdirSync(dir, { recursive: true });
  writeFileSync(`${dir}/ingest-${Date.now()}.json`, `${JSON.stringify(results, null, 2)}\n`);
});
