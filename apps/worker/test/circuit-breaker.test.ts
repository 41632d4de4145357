import { Writable } from 'node:stream';
import { afterAll, beforeAll, expect, test } from '@jest/globals';
import { createLogger } from '@triggers/logger';
import { createTestDatabase } from '@triggers/testing';
import winston from 'winston';
import { createOrg, createSubscription, enqueueEvents } from './helpers/fixtures.js';
import { eventually, receiverPool } from './helpers/receiver.js';
import { startWorker, type TestWorker } from './helpers/worker.js';

const THRESHOLD = 5;
const MAX_IN_FLIGHT = 5;
const EVENTS = 200;
/** Short settings: a 1 s first cool-off, retries every 1–2 s, attempts enough that no delivery runs out while the target is down. */
const ENV = {
  BREAKER_FAILURE_THRESHOLD: String(THRESHOLD),
  BREAKER_COOLOFF_SECONDS: '1',
  SUBSCRIPTION_MAX_IN_FLIGHT: String(MAX_IN_FLIGHT),
  WEBHOOK_MAX_ATTEMPTS: '30',
  WEBHOOK_RETRY_BASE_SECONDS: '1',
  WEBHOOK_RETRY_MAX_SECONDS: '2',
};

const receivers = receiverPool();
let url: string;
let w: TestWorker;
const logs: Record<string, unknown>[] = [];

/** A logger writing its JSON lines into `logs`. */
function capturingLogger() {
  const logger = createLogger({ service: 'worker-test', level: 'info' });
  logger.clear();
  logger.add(
    new winston.transports.Stream({
      stream: new Writable({
        write(chunk, _encoding, done) {
          logs.push(JSON.parse(String(chunk)));
          done();
        },
      }),
    }),
  );
  return logger;
}

beforeAll(async () => {
  url = await createTestDatabase();
  w = await startWorker(url, ENV, { logger: capturingLogger() });
});
afterAll(async () => {
  await w?.stop();
  await receivers.closeAll();
});

interface CircuitRow {
  circuit_state: string;
  consecutive_failures: number;
  circuit_cooloff_seconds: number | null;
  circuit_opened_at: Date | null;
}
const circuitOf = (id: string) =>
  w.database.db
    .selectFrom('subscriptions')
    .select(['circuit_state', 'consecutive_failures', 'circuit_cooloff_seconds', 'circuit_opened_at'])
    .where('id', '=', id)
    .executeTakeFirstOrThrow() as Promise<CircuitRow>;

const deliveriesOf = (subscriptionId: string) =>
  w.database.db
    .selectFrom('deliveries')
    .select(['event_id', 'status', 'attempts'])
    .where('subscription_id', '=', subscriptionId)
    .execute();

test('a target down for 200 events gets the threshold and one probe per cool-off, not 200 × attempts; back up, it gets all 200; the other subscription is unaffected', async () => {
  let down = true;
  const arrived = new Set<string>();
  const flakyTarget = await receivers.start((req) => {
    if (down) return { status: 503 };
    arrived.add(String(req.headers['x-event-id']));
    return { status: 200 };
  });
  const healthyTarget = await receivers.start(() => ({ status: 200 }));
  const org = await createOrg(w.database.db, { webhookUrl: null });
  const flaky = await createSubscription(w.database.db, org.id, { url: flakyTarget.url });
  const healthy = await createSubscription(w.database.db, org.id, { url: healthyTarget.url });
  const ids = await enqueueEvents(
    w.database.db,
    w.boss,
    org.id,
    Array.from({ length: EVENTS }, (_, i) => ({ payload: { i } })),
  );

  // The healthy subscription gets all 200 while the other's target is down.
  await healthyTarget.waitFor(EVENTS, 60_000);

  // The flaky one's circuit opened, then (at least) two probes failed: its cool-off doubled each time (1 → 2 → 4 s).
  const open = await eventually(async () => {
    const c = await circuitOf(flaky.id);
    return (c.circuit_cooloff_seconds ?? 0) >= 4 && c;
  }, 30_000);
  expect(open.circuit_state).toMatch(/^(open|half_open)$/);
  const sent = flakyTarget.requests.length;
  const said = (subscriptionId: string, change: string) =>
    logs.filter((l) => l.subscription_id === subscriptionId && String(l.message).startsWith(`circuit ${change}`));
  const probes = said(flaky.id, 'half-open').length;
  const failedProbes = said(flaky.id, 'reopened').length;
  expect(failedProbes).toBeGreaterThanOrEqual(2);
  expect((await circuitOf(flaky.id)).circuit_cooloff_seconds).toBe(Math.min(3600, 2 ** failedProbes));
  // The threshold, what was already in flight when it opened (at most the cap less one), and one probe per cool-off.
  expect(sent).toBeGreaterThanOrEqual(THRESHOLD + failedProbes);
  expect(sent).toBeLessThanOrEqual(THRESHOLD + (MAX_IN_FLIGHT - 1) + probes);
  expect(sent).toBeLessThan(30);
  // Held-back deliveries were neither attempted nor counted: the attempts are exactly the requests.
  const whileDown = await deliveriesOf(flaky.id);
  expect(whileDown).toHaveLength(EVENTS);
  expect(whileDown.reduce((n, d) => n + d.attempts, 0)).toBe(flakyTarget.requests.length);
  expect(whileDown.every((d) => d.status === 'pending')).toBe(true);

  // Each change was logged with the organization and the subscription.
  const changes = logs.filter((l) => String(l.message).startsWith('circuit ') && l.subscription_id === flaky.id);
  expect(changes.map((l) => String(l.message).split(':')[0])).toEqual(
    expect.arrayContaining(['circuit opened', 'circuit half-open', 'circuit reopened']),
  );
  for (const line of changes) expect(line.org_id).toBe(org.id);
  const metrics = await w.worker.metrics.registry.metrics();
  expect(metrics).toMatch(/webhook_circuit_changes_total\{change="opened"\} 1/);
  expect(metrics).toMatch(/webhook_subscription_circuits\{state="(open|half_open)"\} 1/);

  // The target recovers: the next probe closes the circuit and every held delivery arrives.
  down = false;

  await eventually(async () => {
    const ds = await deliveriesOf(flaky.id);
    return ds.every((d) => d.status === 'delivered') && ds;
  }, 60_000);
  const delivered = new Set(flakyTarget.requests.filter((r) => r.at > 0).map((r) => String(r.headers['x-event-id'])));
  expect(ids.every((id) => delivered.has(id))).toBe(true);
  expect(await circuitOf(flaky.id)).toMatchObject({ circuit_state: 'closed', consecutive_failures: 0, circuit_opened_at: null });
  expect(logs.some((l) => String(l.message).startsWith('circuit closed') && l.subscription_id === flaky.id)).toBe(true);

  // The other subscription's circuit never moved, and each of its deliveries went once.
  expect(await circuitOf(healthy.id)).toMatchObject({ circuit_state: 'closed', consecutive_failures: 0 });
  expect(healthyTarget.requests).toHaveLength(EVENTS);
  expect(logs.some((l) => String(l.message).startsWith('circuit ') && l.subscription_id === healthy.id)).toBe(false);
}, 120_000);

test('auto-disable still applies behind an open circuit: after SUBSCRIPTION_DISABLE_AFTER_HOURS a failed probe disables the subscription and its held deliveries fail without a request', async () => {
  const dbUrl = await createTestDatabase();
  // 0.001 h = 3.6 s of failing with no success.
  const worker = await startWorker(dbUrl, { ...ENV, BREAKER_FAILURE_THRESHOLD: '2', SUBSCRIPTION_DISABLE_AFTER_HOURS: '0.001' });
  try {
    const target = await receivers.start(() => ({ status: 500 }));
    const org = await createOrg(worker.database.db, { webhookUrl: null });
    const sub = await createSubscription(worker.database.db, org.id, { url: target.url });
    await enqueueEvents(
      worker.database.db,
      worker.boss,
      org.id,
      Array.from({ length: 20 }, (_, i) => ({ payload: { i } })),
    );
    const disabled = await eventually(async () => {
      const row = await worker.database.db
        .selectFrom('subscriptions')
        .select(['status', 'disabled_reason', 'circuit_state'])
        .where('id', '=', sub.id)
        .executeTakeFirstOrThrow();
      return row.status === 'disabled' && row;
    }, 60_000);
    expect(disabled.disabled_reason).toBe('failing');
    const deliveries = await eventually(async () => {
      const ds = await worker.database.db
        .selectFrom('deliveries')
        .select(['status', 'attempts'])
        .where('subscription_id', '=', sub.id)
        .execute();
      return ds.length === 20 && ds.every((d) => d.status === 'failed') && ds;
    }, 60_000);
    // Only the attempts before the circuit opened and the probes went out; the rest failed unattempted.
    expect(deliveries.reduce((n, d) => n + d.attempts, 0)).toBe(target.requests.length);
    expect(target.requests.length).toBeLessThan(20);
  } finally {
    await worker.stop();
  }
}, 120_000);
