// npm run bench:delivery — how fast the worker drains the queue to a receiver that answers 200 at
// once, and how long an event takes from its 201 to the receiver. See docs/benchmarks.md.
//
// Env: DATABASE_URL (a server the benchmark may create a database on), BENCH_EVENTS (10000),
// BENCH_RUNS (3 drains per worker count), BENCH_RATE (events/s for the latency phase, 200),
// BENCH_LATENCY_SECONDS (30), WORKER_CONCURRENCY (the workers' own default when unset),
// BENCH_WORKER_LOG_LEVEL (info, the production default: one log line per delivery),
// BENCH_SCENARIOS (drain,latency,fanout,fairness), BENCH_FANOUT_EVENTS (500 events, each to 10
// subscriptions), BENCH_FANOUT_RATE (20 events/s for the fan-out latency phase).
import { mkdirSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import { loadConfig } from '@triggers/config';
import { createBoss } from '@triggers/queue';
import pg from 'pg';
import { withBenchDatabase } from './lib/database.js';
import { createWebhookOrg, queueEvents } from './lib/delivery-fixtures.js';
import { startApp, stopApp } from './lib/delivery-processes.js';
import { startDeliveryReceiver } from './lib/delivery-receiver.js';
import { startFanOutReceiver } from './lib/fanout-receiver.js';
import { median, percentile } from './lib/load.js';
import { freePort } from './lib/processes.js';

const events = Number(process.env.BENCH_EVENTS ?? 10_000);
const runs = Number(process.env.BENCH_RUNS ?? 3);
const defaultRate = Number(process.env.BENCH_RATE ?? 200);
const rate = defaultRate;
const latencySeconds = Number(process.env.BENCH_LATENCY_SECONDS ?? 30);
const scenarios = new Set((process.env.BENCH_SCENARIOS ?? 'drain,latency,fanout,fairness').split(','));
const fanOutEvents = Number(process.env.BENCH_FANOUT_EVENTS ?? 500);
const fanOutRate = Number(process.env.BENCH_FANOUT_RATE ?? 20);
const FANOUT = 10;
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
async function startWorker(url, env = {}) {
  const port = await freePort();
  return startApp(
    'worker',
    { ...workerEnv, ...env, DATABASE_URL: url, WORKER_METRICS_PORT: String(port) },
    { readyUrl: `http://127.0.0.1:${port}/health/live` },
  );
}

const summarize = (values) => {
  const sorted = [...values].sort((a, b) => a - b);
  return { p50: percentile(sorted, 50), p95: percentile(sorted, 95), p99: percentile(sorted, 99), max: sorted.at(-1) };
};
const ms = (s) =>
  `p50 ${s.p50.toFixed(1)} ms  p95 ${s.p95.toFixed(1)} ms  p99 ${s.p99.toFixed(1)} ms  max ${s.max.toFixed(1)} ms`;

/**
 * Fan-out: one organization with 10 subscriptions (every event type). Drain: `fanOutEvents`
 * events queued with no worker running, then one worker delivers all 10 × N (deliveries/s from the
 * first to the last arrival). Latency: API and worker, events posted at `fanOutRate`/s; per event,
 * the time from its 201 until the tenth subscription has it.
 */
async function fanOut(url, client, boss) {
  const drainReceiver = await startFanOutReceiver();
  let drainResult;
  try {
    const orgId = await createWebhookOrg(client, drainReceiver.url, FANOUT);
    await queueEvents(client, boss, orgId, fanOutEvents, payload());
    const worker = await startWorker(url);
    try {
      await drainReceiver.waitFor(fanOutEvents, FANOUT);
      const times = [...drainReceiver.arrivals.values()].flat().sort((a, b) => a - b);
      drainResult = {
        events: fanOutEvents,
        deliveries: times.length,
        deliveriesPerSecond: times.length / ((times.at(-1) - times[0]) / 1000),
        duplicates: drainReceiver.requests - fanOutEvents * FANOUT,
      };
    } finally {
      await stopApp(worker);
    }
  } finally {
    await drainReceiver.close();
  }
  console.log(
    `fan-out drain: ${drainResult.events} events × ${FANOUT} subscriptions, 1 worker: ` +
      `${drainResult.deliveriesPerSecond.toFixed(0)} deliveries/s, ${drainResult.duplicates} duplicates`,
  );

  const receiver = await startFanOutReceiver();
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
    for (let i = 0; i < FANOUT; i++) {
      const res = await fetch(`${baseUrl}/api/subscriptions`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', 'x-api-key': key },
        body: JSON.stringify({ target_url: `${receiver.url}?s=${i}`, event_types: ['*'] }),
      });
      if (res.status !== 201) throw new Error(`subscribe failed: ${res.status} ${await res.text()}`);
    }
    const seconds = Math.max(1, Math.round(fanOutEvents / fanOutRate / 5));
    const { created } = await steadyLoad(baseUrl, key, seconds, fanOutRate);
    await receiver.waitFor(created.size, FANOUT, 60_000);
    const tenth = [];
    let missing = 0;
    for (const [id, t] of created) {
      const times = receiver.arrivals.get(id) ?? [];
      if (times.length < FANOUT) missing++;
      else tenth.push(times.sort((a, b) => a - b)[FANOUT - 1] - t.created);
    }
    const latencyResult = { rate: fanOutRate, seconds, events: created.size, missing, tenth: summarize(tenth) };
    console.log(
      `fan-out latency at ${fanOutRate} events/s for ${seconds} s (${created.size} events): 201 → tenth target ${ms(latencyResult.tenth)}  missing ${missing}`,
    );
    return { drain: drainResult, latency: latencyResult };
  } finally {
    await stopApp(worker);
    await stopApp(api);
    await receiver.close();
  }
}

/**
 * Fairness (issue 12): one organization's events to a healthy receiver, queued one at a time
 * `fairnessEvents` times at 20/s, without and then with another organization's 150 events to a
 * target that never answers (WEBHOOK_TIMEOUT_MS 60 s). Latency: commit to arrival.
 */
async function fairness(url, client, boss) {
  const healthy = await startFanOutReceiver();
  const tarPit = await startFanOutReceiver({ hang: true });
  const worker = await startWorker(url, { WEBHOOK_TIMEOUT_MS: '60000' });
  try {
    const victim = await createWebhookOrg(client, healthy.url);
    const tenant = await createWebhookOrg(client, tarPit.url);
    const measure = async (count) => {
      const sent = new Map();
      for (let i = 0; i < count; i++) {
        const [id] = await queueEvents(client, boss, victim, 1, payload());
        sent.set(id, now());
        await sleep(50);
      }
      const deadline = now() + 60_000;
      while (now() < deadline && [...sent.keys()].some((id) => !healthy.arrivals.has(id))) await sleep(50);
      return summarize([...sent].map(([id, t]) => (healthy.arrivals.get(id)?.[0] ?? Number.POSITIVE_INFINITY) - t));
    };
    const without = await measure(200);
    await queueEvents(client, boss, tenant, 150, payload());
    while (tarPit.requests < 1) await sleep(50);
    await sleep(500);
    const withTarPit = await measure(200);
    const held = tarPit.requests;
    console.log(`fairness, another organization's events without a tar-pit: ${ms(without)}`);
    console.log(`fairness, with a tar-pit holding ${held} deliveries of 150:   ${ms(withTarPit)}`);
    return { without, withTarPit, tarPitInFlight: held };
  } finally {
    worker.kill('SIGKILL');
    await new Promise((resolve) => (worker.exitCode !== null ? resolve() : worker.once('exit', resolve)));
    await healthy.close();
    await tarPit.close();
  }
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
async function steadyLoad(baseUrl, key, seconds, rate = defaultRate) {
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
    for (let run = 1; run <= (scenarios.has('drain') ? runs : 0); run++) {
      for (const workers of [1, 2]) {
        const r = await drain(url, client, boss, receiver, workers);
        drains[workers].push(r);
        console.log(
          `drain ${events} events, ${workers} worker(s), run ${run}: ${r.arrivalsPerSecond.toFixed(0)} deliveries/s ` +
            `(${r.committedPerSecond.toFixed(0)}/s to the last commit), ${r.duplicates} duplicates`,
        );
      }
    }
    const lat = scenarios.has('latency') ? await latency(url, receiver) : undefined;
    if (lat)
      console.log(
        `end-to-end at ${lat.rate}/s for ${lat.seconds} s (${lat.events} events, achieved ${lat.achievedRate.toFixed(0)}/s): ` +
          `p50 ${lat.p50.toFixed(1)} ms  p95 ${lat.p95.toFixed(1)} ms  p99 ${lat.p99.toFixed(1)} ms  max ${lat.max.toFixed(1)} ms  ` +
          `missing ${lat.missing}  failures ${lat.failures}  (201 itself: p50 ${lat.ingestP50.toFixed(1)} ms)`,
      );
    const fanOutResult = scenarios.has('fanout') ? await fanOut(url, client, boss) : undefined;
    const fairnessResult = scenarios.has('fairness') ? await fairness(url, client, boss) : undefined;
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
    return {
      machine: { ...machine, postgres: rows[0].server_version },
      workerEnv,
      drains,
      summary,
      latency: lat,
      fanOut: fanOutResult,
      fairness: fairnessResult,
    };
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
