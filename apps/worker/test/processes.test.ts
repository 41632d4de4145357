import { createServer } from 'node:net';
import { afterEach, describe, expect, test } from '@jest/globals';
import { connect, type DbHandle } from '@triggers/db';
import { LOST_LAST_ATTEMPT } from '@triggers/delivery';
import { DELIVERY_QUEUE, HEARTBEAT_SECONDS, setupQueues } from '@triggers/queue';
import { listen } from '@triggers/runtime';
import { createTestDatabase, spawnApp, startTcpProxy, testConfig } from '@triggers/testing';
import { createWorkerBoss } from '../src/worker-boss.js';
import { createOrg, enqueueEvent, findAttempts, findDeliveries, findEvent, findJobs } from './helpers/fixtures.js';
import { spawnWorker, WORKER_MAIN, type WorkerProcess, workerEnv } from './helpers/process.js';
import { eventually, type Receiver, startReceiver } from './helpers/receiver.js';

const cleanups: (() => Promise<unknown>)[] = [];

afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

/** A database with the worker's queue policy for `env`, and a handle plus a sending pg-boss on it. */
async function setup(env: Record<string, string>) {
  const url = await createTestDatabase();
  const config = testConfig(url, env);
  const database: DbHandle = connect({ connectionString: url, max: 2 });
  const boss = createWorkerBoss(config, { migrate: false, supervise: false, useListenNotify: false, registerInstance: false });
  boss.on('error', () => {});
  await boss.start();
  await setupQueues(boss, config);
  cleanups.push(async () => {
    await boss.stop({ graceful: false, close: true });
    await database.close();
  });
  return { url, database, boss };
}

async function receiver(...args: Parameters<typeof startReceiver>): Promise<Receiver> {
  const r = await startReceiver(...args);
  cleanups.push(() => r.close());
  return r;
}

async function worker(url: string, env: Record<string, string>): Promise<WorkerProcess> {
  const p = await spawnWorker(url, env);
  cleanups.push(async () => {
    p.kill('SIGKILL');
    await p.exited;
  });
  return p;
}

describe('worker processes', () => {
  test('a worker killed with SIGKILL mid-delivery loses nothing: its job fails by heartbeat and another worker delivers the event', async () => {
    // A webhook timeout of a minute puts expiry (timeout + 20 s) far out of reach of the waits
    // below: only the heartbeat can give the job back this soon.
    const env = { WEBHOOK_TIMEOUT_MS: '60000', WEBHOOK_MAX_ATTEMPTS: '5' };
    const { url, database, boss } = await setup(env);
    // The first request is never answered: the worker dies holding it.
    const r = await receiver((_req, i) => (i === 0 ? 'hang' : { status: 200 }));
    const first = await worker(url, env);
    const org = await createOrg(database.db, { webhookUrl: r.url });
    const id = await enqueueEvent(database.db, boss, org.id);
    await r.waitFor(1);
    first.kill('SIGKILL');
    expect((await first.exited).signal).toBe('SIGKILL');

    // pg-boss maintenance alone (no worker working the queue), with a 1 s monitor.
    const supervisor = createWorkerBoss(testConfig(url, env), {
      migrate: false,
      registerInstance: false,
      useListenNotify: false,
      superviseIntervalSeconds: 1,
      monitorIntervalSeconds: 1,
    });
    supervisor.on('error', () => {});
    await supervisor.start();
    cleanups.push(() => supervisor.stop({ graceful: false, close: true }));
    const [failed] = await eventually(async () => {
      const jobs = await findJobs(boss, DELIVERY_QUEUE, id);
      return jobs[0]?.state === 'retry' ? jobs : null;
    }, 30_000);
    expect(failed).toMatchObject({
      retryCount: 0,
      heartbeatSeconds: HEARTBEAT_SECONDS,
      output: { value: { message: 'job heartbeat timeout' } },
    });

    await worker(url, env);
    const event = await eventually(async () => {
      const e = await findEvent(database.db, id);
      return e.status === 'delivered' ? e : null;
    }, 20_000);

    expect(r.requests).toHaveLength(2);
    expect(r.requests.map((q) => q.headers['webhook-id'])).toEqual([id, id]);
    // The killed attempt was never recorded; the delivery that succeeded is.
    expect(event.attempts).toBe(1);
    expect((await findAttempts(database.db, id)).map((a) => a.status_code)).toEqual([200]);
  }, 90_000);

  test("a worker killed during a delivery's last attempt leaves that delivery failed, not pending for ever", async () => {
    const env = { WEBHOOK_TIMEOUT_MS: '2000', WEBHOOK_MAX_ATTEMPTS: '1' };
    const { url, database, boss } = await setup(env);
    const r = await receiver(() => 'hang');
    const first = await worker(url, env);
    const org = await createOrg(database.db, { webhookUrl: r.url });
    const id = await enqueueEvent(database.db, boss, org.id);
    await r.waitFor(1);
    first.kill('SIGKILL');
    await first.exited;

    // Another worker's pg-boss fails the job once its heartbeat stops and, with no retry left,
    // dead-letters it; that worker reads the dead letter and fails the delivery.
    await worker(url, env);
    const event = await eventually(
      async () => {
        const e = await findEvent(database.db, id);
        return e.status === 'failed' ? e : null;
      },
      55_000,
      250,
    );
    const [delivery] = await findDeliveries(database.db, id);
    expect(delivery).toMatchObject({ status: 'failed', attempts: 0, last_error: LOST_LAST_ATTEMPT });
    expect(event).toMatchObject({ status: 'failed', last_error: LOST_LAST_ATTEMPT });
    expect(r.requests).toHaveLength(1);
  }, 60_000);

  test('SIGTERM lets the delivery in flight finish, records it and exits 0', async () => {
    const env = { WEBHOOK_TIMEOUT_MS: '5000' };
    const { url, database, boss } = await setup(env);
    const r = await receiver(() => ({ status: 200, delayMs: 1500 }));
    const p = await worker(url, env);
    const org = await createOrg(database.db, { webhookUrl: r.url });
    const id = await enqueueEvent(database.db, boss, org.id, { card: 'SECRET-PAYLOAD-VALUE' });
    await r.waitFor(1);
    p.kill('SIGTERM');
    const exit = await p.exited;

    expect(exit.code).toBe(0);
    expect(await findEvent(database.db, id)).toMatchObject({ status: 'delivered', attempts: 1 });
    // One JSON object per line, the delivery logged with its event id and attempt, and neither
    // the payload nor the signing secret anywhere in the output.
    const delivered = p.logs.find((l) => l.message === 'webhook delivered');
    expect(delivered).toMatchObject({ event_id: id, attempt: 1, service: 'worker', level: 'info' });
    const output = JSON.stringify(p.logs);
    expect(output).not.toContain('SECRET-PAYLOAD-VALUE');
    expect(output).not.toContain(org.secret.slice(6));
    expect(p.logs.every((l) => !('raw' in l) && !('stderr' in l))).toBe(true);
    expect(p.logs.some((l) => l.message === 'stopped')).toBe(true);
  }, 30_000);

  test('with its metrics port taken, stops at start with one log line saying so and exit code 1', async () => {
    const { url } = await setup({});
    const taken = createServer();
    const port = await listen(taken, 0, '127.0.0.1');
    cleanups.push(() => new Promise((resolve) => taken.close(resolve)));
    const p = spawnApp(WORKER_MAIN, workerEnv(url, { WORKER_METRICS_PORT: String(port) }));
    expect((await p.exited).code).toBe(1);
    const problems = p.logs.filter((line) => line.level === 'error' || 'stderr' in line || 'raw' in line);
    expect(problems).toEqual([
      expect.objectContaining({
        message: `worker metrics cannot listen: port ${port} on 127.0.0.1 is already in use`,
        code: 'EADDRINUSE',
      }),
    ]);
    expect(p.logs.map((line) => line.message)).not.toContain('worker started');
  });

  test('keeps running through a database outage, logging it, and delivers once the database is back', async () => {
    const env = { WEBHOOK_TIMEOUT_MS: '5000' };
    const { url, database, boss } = await setup(env);
    const proxy = await startTcpProxy(url);
    cleanups.push(() => proxy.close());
    const r = await receiver(() => ({ status: 200 }));
    const p = await worker(proxy.url, env);

    await proxy.cut();
    // Its fetch loops fail while the database is gone: logged, not fatal.
    await p.waitFor((line) => line.message === 'pg-boss error', 15_000);
    await proxy.restore();

    const org = await createOrg(database.db, { webhookUrl: r.url });
    const id = await enqueueEvent(database.db, boss, org.id);
    await eventually(async () => ((await findEvent(database.db, id)).status === 'delivered' ? true : null), 30_000, 250);
    expect(r.requests.map((q) => q.headers['webhook-id'])).toEqual([id]);
    expect(p.child.exitCode).toBeNull();
    expect(p.logs.filter((line) => 'stderr' in line)).toEqual([]);
  }, 60_000);
});
