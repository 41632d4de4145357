// npm run bench:job-retention — does pgboss.job stay small at steady state? In compressed time: a
// worker process runs with job retention of seconds instead of a day, events are queued at a steady
// rate (a tenth of them to a receiver that answers 500, with one attempt, so they are dead-lettered),
// and the job table's rows are counted every few seconds while the load runs and after it stops.
// See docs/operations.md, "Job history".
//
// Env: DATABASE_URL (a server the benchmark may create a database on), BENCH_RATE (events/s, 100),
// BENCH_SECONDS (load duration, 120), BENCH_JOB_RETENTION_HOURS (0.005 = 18 s),
// BENCH_DEAD_LETTER_RETENTION_DAYS (0.0002 = 17.3 s), BENCH_VACUUM_SECONDS (where the server's
// autovacuum is off, VACUUM the job table this often as autovacuum would: 60; 0 = never).
import { loadConfig } from '@triggers/config';
import { createBoss, DEAD_LETTER_QUEUE, DELIVERY_QUEUE, jobRetention } from '@triggers/queue';
import pg from 'pg';
import { withBenchDatabase } from './lib/database.js';
import { createWebhookOrg, queueEvents } from './lib/delivery-fixtures.js';
import { startApp, stopApp } from './lib/delivery-processes.js';
import { startDeliveryReceiver } from './lib/delivery-receiver.js';
import { freePort } from './lib/processes.js';

const rate = Number(process.env.BENCH_RATE ?? 100);
const seconds = Number(process.env.BENCH_SECONDS ?? 120);
const settings = {
  JOB_RETENTION_HOURS: process.env.BENCH_JOB_RETENTION_HOURS ?? '0.005',
  DEAD_LETTER_RETENTION_DAYS: process.env.BENCH_DEAD_LETTER_RETENTION_DAYS ?? '0.0002',
  WEBHOOK_MAX_ATTEMPTS: '1',
};
const retention = jobRetention(loadConfig({ DATABASE_URL: 'postgres://x@127.0.0.1/x', ...settings }));

const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, Math.max(0, ms)));

async function counts(client) {
  const { rows } = await client.query(
    `SELECT
       count(*) FILTER (WHERE name = $1 AND state IN ('completed', 'failed'))::int AS finished,
       count(*) FILTER (WHERE name = $1 AND state NOT IN ('completed', 'failed'))::int AS live,
       count(*) FILTER (WHERE name = $2)::int AS dead,
       count(*)::int AS total,
       pg_total_relation_size('pgboss.job_common')::bigint AS bytes,
       (SELECT n_dead_tup FROM pg_stat_user_tables WHERE relid = 'pgboss.job_common'::regclass)::int AS dead_tuples,
       (SELECT autovacuum_count + vacuum_count FROM pg_stat_user_tables WHERE relid = 'pgboss.job_common'::regclass)::int AS vacuums
     FROM pgboss.job`,
    [DELIVERY_QUEUE, DEAD_LETTER_QUEUE],
  );
  return rows[0];
}

const samples = await withBenchDatabase(async (url) => {
  const ok = await startDeliveryReceiver();
  const failing = await startFailingReceiver();
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  const boss = createBoss(loadConfig({ DATABASE_URL: url }), { instanceName: 'bench', max: 2, extra: { migrate: false } });
  boss.on('error', () => {});
  await boss.start();
  const port = await freePort();
  // Quiet: every dead-lettered delivery is an error line, a tenth of the events here.
  const worker = await startApp(
    'worker',
    { ...settings, DATABASE_URL: url, WEBHOOK_ALLOW_PRIVATE: 'true', LOG_LEVEL: 'warn', WORKER_METRICS_PORT: String(port) },
    { readyUrl: `http://127.0.0.1:${port}/health/live`, quiet: true },
  );
  try {
    // Deleted jobs' space is reused once (auto)vacuum has passed. Where autovacuum is off (as on
    // some test servers), VACUUM the job table every 60 s (autovacuum_naptime's default) instead.
    const autovacuum = (await client.query('SHOW autovacuum')).rows[0].autovacuum === 'on';
    const vacuumEvery = autovacuum ? 0 : Number(process.env.BENCH_VACUUM_SECONDS ?? 60) * 1000;
    if (vacuumEvery > 0) console.log(`autovacuum is off on this server: VACUUM pgboss.job_common every ${vacuumEvery / 1000} s`);
    else if (!autovacuum)
      console.log('autovacuum is off on this server and BENCH_VACUUM_SECONDS=0: nothing vacuums the job table');
    let nextVacuum = vacuumEvery;
    const good = await createWebhookOrg(client, ok.url);
    const bad = await createWebhookOrg(client, failing.url);
    const out = [];
    const started = Date.now();
    let sent = 0;
    let nextSample = 0;
    const end = seconds * 1000;
    // After the load: until the table is empty again (or 5 minutes).
    const drainEnd = end + 300_000;
    let empty = false;
    while (Date.now() - started < drainEnd && !empty) {
      const t = Date.now() - started;
      if (t < end) {
        const due = Math.floor((t / 1000) * rate) - sent;
        if (due > 0) {
          const failures = Math.floor((sent + due) / 10) - Math.floor(sent / 10);
          await queueEvents(client, boss, good, due - failures, '{"n":1}');
          if (failures > 0) await queueEvents(client, boss, bad, failures, '{"n":1}');
          sent += due;
        }
      }
      if (vacuumEvery > 0 && t >= nextVacuum) {
        await client.query('VACUUM pgboss.job_common');
        nextVacuum += vacuumEvery;
      }
      if (t >= nextSample) {
        const c = await counts(client);
        out.push({ t: t / 1000, sent, loading: t < end, ...c, bytes: Number(c.bytes) });
        empty = t >= end && c.total === 0;
        console.log(
          `t=${String(Math.round(t / 1000)).padStart(4)} s  sent ${String(sent).padStart(6)}  ` +
            `delivery queue: ${String(c.finished).padStart(6)} finished, ${String(c.live).padStart(5)} live  ` +
            `dead-letter queue: ${String(c.dead).padStart(5)}  pgboss.job rows ${String(c.total).padStart(6)}  ` +
            `job table ${(Number(c.bytes) / 1024 / 1024).toFixed(1)} MB, ${c.dead_tuples} dead tuples, ` +
            `${c.vacuums} vacuums${t < end ? '' : '  (load stopped)'}`,
        );
        nextSample += 5000;
      }
      await sleep(100);
    }
    return out;
  } finally {
    await stopApp(worker);
    await boss.stop({ graceful: false, close: true });
    await client.end();
    await ok.close();
    await failing.close();
  }
});

/** A receiver that answers 500 to everything. */
async function startFailingReceiver() {
  const http = await import('node:http');
  const server = http.createServer((req, res) => {
    req.resume();
    req.on('end', () => {
      res.writeHead(500, { 'content-length': '0' });
      res.end();
    });
  });
  await new Promise((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    url: `http://127.0.0.1:${server.address().port}/hooks`,
    close: () =>
      new Promise((resolve) => {
        server.close(resolve);
        server.closeAllConnections();
      }),
  };
}

// Steady state: the second half of the load, when the first retention periods have long passed.
const steady = samples.filter((s) => s.loading && s.t >= seconds / 2);
const max = (key) => Math.max(...steady.map((s) => s[key]));
const expectedFinished = rate * 0.9 * (retention.finishedSeconds + retention.maintenanceIntervalSeconds);
const expectedDead = rate * 0.1 * (retention.deadLetterSeconds + retention.maintenanceIntervalSeconds);
const last = samples.at(-1);
console.log(
  `\n${rate} events/s for ${seconds} s (${samples.at(-1)?.sent} events), finished jobs kept ${retention.finishedSeconds} s, ` +
    `dead letters ${retention.deadLetterSeconds} s, maintenance every ${retention.maintenanceIntervalSeconds} s.\n` +
    `Steady state (t >= ${seconds / 2} s): at most ${max('finished')} finished delivery jobs ` +
    `(rate x (retention + interval) = ${Math.round(expectedFinished)}), ${max('dead')} dead letters ` +
    `(${Math.round(expectedDead)}), ${max('total')} pgboss.job rows, job table at most ${(max('bytes') / 1024 / 1024).toFixed(1)} MB ` +
    `(${(steady[0].bytes / 1024 / 1024).toFixed(1)} MB at t = ${steady[0].t.toFixed(0)} s).\n` +
    `After the load: ${last?.total} rows left (${last?.live} live), job table ${((last?.bytes ?? 0) / 1024 / 1024).toFixed(1)} MB.`,
);
