// npm run bench:recovery — how long a delivery held by a worker killed with SIGKILL takes to reach
// the receiver again. Each run: a worker process takes one event, the receiver never answers it,
// the worker is SIGKILLed, a new worker process is started at once, and the time from the kill to
// the event's second arrival at the receiver is measured. See docs/benchmarks.md.
//
// Env: DATABASE_URL (a server the benchmark may create a database on), BENCH_RUNS (5). The workers
// run with their defaults (WEBHOOK_TIMEOUT_MS 10000, so expiry would take 30 s) except
// WEBHOOK_ALLOW_PRIVATE=true for the local receiver.
import { mkdirSync, writeFileSync } from 'node:fs';
import { loadConfig } from '@triggers/config';
import { createBoss, DELIVERY_QUEUE, HEARTBEAT_SECONDS } from '@triggers/queue';
import pg from 'pg';
import { SUPERVISE_INTERVAL_SECONDS } from '../apps/worker/dist/worker-boss.js';
import { withBenchDatabase } from './lib/database.js';
import { createWebhookOrg, queueEvents } from './lib/delivery-fixtures.js';
import { startApp, stopApp } from './lib/delivery-processes.js';
import { startDeliveryReceiver } from './lib/delivery-receiver.js';
import { median } from './lib/load.js';

const runs = Number(process.env.BENCH_RUNS ?? 5);
const workerEnv = { WEBHOOK_ALLOW_PRIVATE: 'true', LOG_LEVEL: 'info', WORKER_METRICS_PORT: '0' };

const now = () => performance.timeOrigin + performance.now();
const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));

/** Resolves with the time of the `n`-th request (1-based) for event `id`. */
function arrivalWaiter() {
  const seen = new Map();
  const waiters = [];
  return {
    onRequest(id, at) {
      const times = seen.get(id) ?? [];
      times.push(at);
      seen.set(id, times);
      for (const w of waiters.filter((w) => w.id === id && times.length >= w.n)) {
        waiters.splice(waiters.indexOf(w), 1);
        w.resolve(times[w.n - 1]);
      }
    },
    arrival(id, n) {
      const times = seen.get(id) ?? [];
      if (times.length >= n) return Promise.resolve(times[n - 1]);
      return new Promise((resolve) => waiters.push({ id, n, resolve }));
    },
  };
}

/** Polls the event's job until pg-boss has failed it (state retry); resolves with when it saw that. */
async function failedAt(client, eventId, until) {
  while (now() < until) {
    const { rows } = await client.query(`SELECT state FROM pgboss.job WHERE name = $1 AND data->>'eventId' = $2`, [
      DELIVERY_QUEUE,
      eventId,
    ]);
    const state = rows[0]?.state;
    if (state === 'retry') return now();
    if (state !== 'active') return undefined;
    await sleep(50);
  }
  return undefined;
}

const result = await withBenchDatabase(async (url) => {
  const arrivals = arrivalWaiter();
  const receiver = await startDeliveryReceiver({ hangFirst: true, onRequest: arrivals.onRequest });
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  const boss = createBoss(loadConfig({ DATABASE_URL: url }), { instanceName: 'bench', max: 2, extra: { migrate: false } });
  boss.on('error', () => {});
  await boss.start();
  const startWorker = () => startApp('worker', { ...workerEnv, DATABASE_URL: url }, { readyMessage: 'worker started' });
  try {
    const orgId = await createWebhookOrg(client, receiver.url);
    const results = [];
    for (let run = 1; run <= runs; run++) {
      const first = await startWorker();
      const [id] = await queueEvents(client, boss, orgId, 1, JSON.stringify({ run }));
      await arrivals.arrival(id, 1);
      first.kill('SIGKILL');
      const killedAt = now();
      await new Promise((resolve) =>
        first.exitCode !== null || first.signalCode !== null ? resolve() : first.once('exit', resolve),
      );
      const second = startWorker();
      const failed = failedAt(client, id, killedAt + 60_000);
      const again = await Promise.race([
        arrivals.arrival(id, 2),
        sleep(90_000).then(() => Promise.reject(new Error(`run ${run}: no redelivery within 90 s of the kill`))),
      ]);
      const r = {
        run,
        seconds: (again - killedAt) / 1000,
        failedAfterSeconds: ((await failed) - killedAt) / 1000,
      };
      results.push(r);
      console.log(
        `run ${run}: redelivered ${r.seconds.toFixed(1)} s after the SIGKILL (job failed by heartbeat after ${r.failedAfterSeconds.toFixed(1)} s)`,
      );
      await stopApp(await second);
    }
    return results;
  } finally {
    await boss.stop({ graceful: false, close: true });
    await client.end();
    await receiver.close();
  }
});

const seconds = result.map((r) => r.seconds).sort((a, b) => a - b);
console.log(
  `median ${median(seconds).toFixed(1)} s from SIGKILL to redelivery over ${seconds.length} runs ` +
    `(min ${seconds[0].toFixed(1)}, max ${seconds.at(-1).toFixed(1)}); heartbeat ${HEARTBEAT_SECONDS} s, ` +
    `monitor every ${SUPERVISE_INTERVAL_SECONDS} s`,
);
mkdirSync(new URL('./results/', import.meta.url), { recursive: true });
const file = new URL(`./results/recovery-${new Date().toISOString().replace(/[:.]/g, '-')}.json`, import.meta.url);
writeFileSync(
  file,
  `${JSON.stringify({ at: new Date().toISOString(), heartbeatSeconds: HEARTBEAT_SECONDS, runs: result }, null, 2)}\n`,
);
