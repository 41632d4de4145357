// npm run bench:delivery — how fast the worker drains the queue to a receiver that answers 200 at
// once, and how long an event takes from its 201 to the receiver. See docs/benchmarks.md.
//
// Env: DATABASE_URL (a server the benchmark may create a database on), BENCH_EVENTS (10000),
// BENCH_RUNS (3 drains per worker count), BENCH_RATE (events/s for the latency phase, 200),
// BENCH_LATENCY_SECONDS (30), WORKER_CONCURRENCY (the workers' own default when unset),
// BENCH_WORKER_LOG_LEVEL (info, the production default: one log line per delivery).
import { mkdirSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import { loadConfig } from '@triggers/config';
import { createBoss } from '@triggers/queue';
import pg from 'pg';
import { withBenchDatabase } from './lib/database.js';
import { createWebhookOrg, queueEvents } from './lib/delivery-fixtures.js';
import { startApp, stopApp } from './lib/delivery-processes.js';
import { startDeliveryReceiver } from './lib/delivery-receiver.js';
import { median, percentile } from './lib/load.js';
import { freePort } from './lib/processes.js';

const events = Number(process.env.BENCH_EVENTS ?? 10_000);
const runs = Number(process.env.BENCH_RUNS ?? 3);
const rate = Number(process.env.BENCH_RATE ?? 200);
const latencySeconds = Number(process.env.BENCH_LATENCY_SECONDS ?? 30);
const workerEnv = {
  WEBHOOK_ALLOW_PRIVATE: 'true',
  LOG_LEVEL: process.env.BENCH_WORKER_LOG_LEVEL ?? 'info',
  ...(process.env.WORKER_CONCURRENCY ? { WORKER_CONCURRENCY: process.env.WORKER_CONCURRENCY } : {}),
};

const now = () => performance.timeOrigin + performance.now();
const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, Math.max(0, ms)));

/** A 1 KB payload, as in the ingest benchmark. */
function payload() {
  const base = { order_id: 'ord_0001', customer: 'cus_0001', total: 1999, currency: 'usd', note: '' };
  base.note = 'x'.repeat(1024 - JSON.stringify(base).length);
  return JSON.stringify(base);
}

async function deliveredCount(client, orgId) {
  const { rows } = await client.query(`SELECT count(*)::int AS n FROM events WHERE org_id = $1 AND status = 'delivered'`, [
    orgId,
  ]);
  return rows[0].n;
}

/** A worker process, ready once its /health/live answers. */
async function startWorker(url) {
  const port = await freePort();
  return startApp(
    'worker',
    { ...workerEnv, DATABASE_URL: url, WORKER_METRICS_PORT: String(port) },
    { readyUrl: `http://127.0.0.1:${port}/health/live` },
  );
}

/** Queues `events` events with no worker running, then starts `workers` worker processes and times the drain. */
async function drain(url, client, boss, receiver, workers) {
  receiver.reset();
  const orgId = await createWebhookOrg(client, receiver.url);
  await queueEvents(client, boss, orgId, events, payload());
  const children = await Promise.all(Array.from({ length: workers }, () => startWorker(url)));
  try {
    await receiver.waitForDistinct(events);
    const times = [...receiver.arrivals.values()].sort((a, b) => a - b);
    const first = times[0];
    const lastArrival = times.at(-1);
    while ((await deliveredCount(client, orgId)) < events) await sleep(20);
    const committed = now();
    return {
      workers,
      events,
      arrivalsPerSecond: events / ((lastArrival - first) / 1000),
      committedPerSecond: events / ((committed - first) / 1000),
      duplicates: receiver.requests - events,
    };
  } finally {
    await Promise.all(children.map(stopApp));
  }
}

async function signUp(baseUrl) {
  const res = await fetch(`${baseUrl}/api/keys/generate`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ organization_name: 'latency', tier: 'enterprise' }),
  });
  if (res.status !== 201) throw new Error(`sign-up failed: ${res.status} ${await res.text()}`);
  return (await res.json()).api_key;
}

/** POST /api/events at a steady `rate` for `seconds`; per event, when its 201 came back. */
async function steadyLoad(baseUrl, key, seconds) {
  const body = JSON.stringify({ type: 'order.created', payload: JSON.parse(payload()) });
  const created = new Map();
  const pending = [];
  let failures = 0;
  const total = Math.round(rate * seconds);
  const start = now();
  for (let i = 0; i < total; i++) {
    await sleep(start + (i * 1000) / rate - now());
    const sent = now();
    pending.push(
      fetch(`${baseUrl}/api/events`, { method: 'POST', headers: { 'content-type': 'application/json', 'x-api-key': key }, body })
        .then(async (res) => {
          const json = await res.json();
          if (res.status !== 201) failures++;
          else created.set(json.id, { sent, created: now() });
        })
        .catch(() => failures++),
    );
  }
  await Promise.all(pending);
  return { created, failures, offeredSeconds: (now() - start) / 1000 };
}

async function latency(url, receiver) {
  receiver.reset();
  const port = await freePort();
  const baseUrl = `http://127.0.0.1:${port}`;
  const api = await startApp(
    'api',
    { DATABASE_URL: url, PORT: String(port), LOG_LEVEL: 'warn', WEBHOOK_ALLOW_PRIVATE: 'true' },
    { readyUrl: `${baseUrl}/health` },
  );
  const worker = await startWorker(url);
  try {
    const key = await signUp(baseUrl);
    const config = await fetch(`${baseUrl}/api/webhook/config`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'x-api-key': key },
      body: JSON.stringify({ webhook_url: receiver.url }),
    });
    if (config.status !== 200) throw new Error(`webhook config failed: ${config.status} ${await config.text()}`);
    await steadyLoad(baseUrl, key, 3); // warm-up, not counted
    receiver.reset();
    const { created, failures, offeredSeconds } = await steadyLoad(baseUrl, key, latencySeconds);
    const deadline = now() + 30_000;
    while (now() < deadline && [...created.keys()].some((id) => !receiver.arrivals.has(id))) await sleep(100);
    const endToEnd = [];
    const ingest = [];
    let missing = 0;
    for (const [id, t] of created) {
      const arrived = receiver.arrivals.get(id);
      ingest.push(t.created - t.sent);
      if (arrived === undefined) missing++;
      else endToEnd.push(arrived - t.created);
    }
    endToEnd.sort((a, b) => a - b);
    ingest.sort((a, b) => a - b);
    return {
      rate,
      seconds: latencySeconds,
      achievedRate: created.size / offeredSeconds,
      events: created.size,
      failures,
      missing,
      p50: percentile(endToEnd, 50),
      p95: percentile(endToEnd, 95),
      p99: percentile(endToEnd, 99),
      max: endToEnd.at(-1),
      ingestP50: percentile(ingest, 50),
      ingestP99: percentile(ingest, 99),
    };
  } finally {
    await stopApp(worker);
    await stopApp(api);
  }
}

const machine = {
  nproc: os.availableParallelism(),
  cpu: os.cpus()[0]?.model,
  memoryGb: Math.round(os.totalmem() / 1024 ** 3),
  node: process.version,
  platform: `${os.type()} ${os.release()}`,
};

const result = await withBenchDatabase(async (url) => {
  const receiver = await startDeliveryReceiver();
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  const boss = createBoss(loadConfig({ DATABASE_URL: url }), { instanceName: 'bench', max: 2, extra: { migrate: false } });
  boss.on('error', () => {});
  await boss.start();
  try {
    const { rows } = await client.query('SHOW server_version');
    const drains = { 1: [], 2: [] };
    for (let run = 1; run <= runs; run++) {
      for (const workers of [1, 2]) {
        const r = await drain(url, client, boss, receiver, workers);
        drains[workers].push(r);
        console.log(
          `drain ${events} events, ${workers} worker(s), run ${run}: ${r.arrivalsPerSecond.toFixed(0)} deliveries/s ` +
            `(${r.committedPerSecond.toFixed(0)}/s to the last commit), ${r.duplicates} duplicates`,
        );
      }
    }
    const lat = await latency(url, receiver);
    console.log(
      `end-to-end at ${lat.rate}/s for ${lat.seconds} s (${lat.events} events, achieved ${lat.achievedRate.toFixed(0)}/s): ` +
        `p50 ${lat.p50.toFixed(1)} ms  p95 ${lat.p95.toFixed(1)} ms  p99 ${lat.p99.toFixed(1)} ms  max ${lat.max.toFixed(1)} ms  ` +
        `missing ${lat.missing}  failures ${lat.failures}  (201 itself: p50 ${lat.ingestP50.toFixed(1)} ms)`,
    );
    const summary = Object.fromEntries(
      [1, 2].map((w) => [
        `${w}_worker${w > 1 ? 's' : ''}`,
        {
          medianDeliveriesPerSecond: median(drains[w].map((r) => r.arrivalsPerSecond)),
          medianCommittedPerSecond: median(drains[w].map((r) => r.committedPerSecond)),
        },
      ]),
    );
    console.log('median drain rates:', JSON.stringify(summary));
    return { machine: { ...machine, postgres: rows[0].server_version }, workerEnv, drains, summary, latency: lat };
  } finally {
    await boss.stop({ graceful: false, close: true });
    await client.end();
    await receiver.close();
  }
});

mkdirSync(new URL('./results/', import.meta.url), { recursive: true });
const file = new URL(`./results/delivery-${Date.now()}.json`, import.meta.url);
writeFileSync(file, `${JSON.stringify({ date: new Date().toISOString(), ...result }, null, 2)}\n`);
console.log(`written to ${file.pathname}`);
