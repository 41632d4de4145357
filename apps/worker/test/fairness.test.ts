import { afterAll, beforeAll, describe, expect, test } from '@jest/globals';
import { connect, type DbHandle } from '@triggers/db';
import { type PgBoss, setupQueues } from '@triggers/queue';
import { createTestDatabase, testConfig } from '@triggers/testing';
import { createWorkerBoss } from '../src/worker-boss.js';
import { createOrg, enqueueEvent, enqueueEvents } from './helpers/fixtures.js';
import { spawnWorker, type WorkerProcess } from './helpers/process.js';
import { receiverPool, sleep } from './helpers/receiver.js';
import { startWorker } from './helpers/worker.js';

const receivers = receiverPool();
let url: string;
let database: DbHandle;
let boss: PgBoss;
const processes: WorkerProcess[] = [];

const env = { WEBHOOK_TIMEOUT_MS: '60000', WORKER_CONCURRENCY: '50', SUBSCRIPTION_MAX_IN_FLIGHT: '10' };

beforeAll(async () => {
  url = await createTestDatabase();
  const config = testConfig(url, env);
  database = connect({ connectionString: url, max: 3 });
  boss = createWorkerBoss(config, { migrate: false, supervise: false, useListenNotify: false, registerInstance: false });
  boss.on('error', () => {});
  await boss.start();
  await setupQueues(boss, config);
});

afterAll(async () => {
  for (const p of processes) {
    p.kill('SIGKILL');
    await p.exited;
  }
  await boss.stop({ graceful: false, close: true });
  await database.close();
  await receivers.closeAll();
});

/** Sends `count` events for `orgId` one at a time, `gapMs` apart; resolves to each one's delivery latency (ms). */
async function latencies(orgId: string, count: number, gapMs: number, arrivals: Map<string, number>): Promise<number[]> {
  const sent = new Map<string, number>();
  for (let i = 0; i < count; i++) {
    const id = await enqueueEvent(database.db, boss, orgId);
    sent.set(id, Date.now());
    await sleep(gapMs);
  }
  const deadline = Date.now() + 20_000;
  while ([...sent.keys()].some((id) => !arrivals.has(id)) && Date.now() < deadline) await sleep(50);
  return [...sent].map(([id, at]) => (arrivals.get(id) ?? Number.POSITIVE_INFINITY) - at).sort((a, b) => a - b);
}

const p99 = (sorted: number[]) => sorted[Math.min(sorted.length - 1, Math.ceil(sorted.length * 0.99) - 1)] as number;

describe('fairness between organizations', () => {
  test('a target that hangs on 150 events holds only its cap; another organization’s events arrive with p99 under 1 s more than without it', async () => {
    const arrivals = new Map<string, number>();
    const healthy = await receivers.start((req) => {
      arrivals.set(String(req.headers['webhook-id']), req.at);
      return { status: 200 };
    });
    const tarPit = await receivers.start(() => 'hang');
    const victim = await createOrg(database.db, { webhookUrl: healthy.url });
    const tenant = await createOrg(database.db, { webhookUrl: tarPit.url });
    processes.push(await spawnWorker(url, env));

    const baseline = await latencies(victim.id, 40, 40, arrivals);

    await enqueueEvents(
      database.db,
      boss,
      tenant.id,
      Array.from({ length: 150 }, () => ({})),
    );
    await tarPit.waitFor(10);
    const loaded = await latencies(victim.id, 40, 40, arrivals);

    // The tar-pit holds its cap of SUBSCRIPTION_MAX_IN_FLIGHT, no more.
    expect(tarPit.requests).toHaveLength(10);
    expect(p99(loaded)).toBeLessThan(p99(baseline) + 1000);
    for (const p of processes.splice(0)) {
      p.kill('SIGKILL');
      await p.exited;
    }
  }, 90_000);
});

describe('a worker whose every slot is taken', () => {
  test('goes on once a slot frees (WORKER_CONCURRENCY 2, slow receiver, 12 events)', async () => {
    const slow = await receivers.start(() => ({ status: 200, delayMs: 100 }));
    // A database of its own: the tar-pit's jobs above come back once their killed worker's heartbeat stops.
    const own = await createTestDatabase();
    const w = await startWorker(own, { WORKER_CONCURRENCY: '2', WORKER_ORG_MAX_IN_FLIGHT: '2' });
    const org = await createOrg(w.database.db, { webhookUrl: slow.url });
    try {
      await enqueueEvents(
        w.database.db,
        w.boss,
        org.id,
        Array.from({ length: 12 }, () => ({})),
      );
      await slow.waitFor(12, 20_000);
    } finally {
      await w.stop();
    }
  }, 30_000);
});
