import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, test } from '@jest/globals';
import { uuidv7 } from '@triggers/db';
import { createBoss, DELIVERY_QUEUE, ensureQueueIndexes, FANOUT_QUEUE, QUEUE_INDEXES } from '@triggers/queue';
import { createTestDatabase, testConfig } from '@triggers/testing';
import { sql } from 'kysely';
import pg from 'pg';
import { createOrg, enqueueEvent, findEvent } from './helpers/fixtures.js';
import { eventually, type Receiver, startReceiver } from './helpers/receiver.js';
import { startWorker, type TestWorker } from './helpers/worker.js';

const GUIDE = fileURLToPath(new URL('../../../docs/operations.md', import.meta.url));

/** Every statement of every ```sql block (the queries) or ```psql block (the DDL) in the operations guide, in order. */
function guideStatements(fence: 'sql' | 'psql' = 'sql'): string[] {
  const blocks = [...readFileSync(GUIDE, 'utf8').matchAll(new RegExp(`\`\`\`${fence}\n([\\s\\S]*?)\`\`\``, 'g'))].map((m) =>
    (m[1] as string).replace(/^ +/gm, ''),
  );
  return blocks.flatMap((block) =>
    block
      .split(/;\s*\n/)
      .map((s) => s.trim().replace(/;$/, ''))
      .filter(Boolean),
  );
}

let w: TestWorker;
let ok: Receiver;
let down: Receiver;
let deliveredId: string;
let deadId: string;

beforeAll(async () => {
  w = await startWorker(await createTestDatabase(), { WEBHOOK_MAX_ATTEMPTS: '2' });
  ok = await startReceiver(() => ({ status: 200 }));
  down = await startReceiver(() => ({ status: 503, body: 'maintenance' }));
  const good = await createOrg(w.database.db, { webhookUrl: ok.url });
  const bad = await createOrg(w.database.db, { webhookUrl: down.url });
  deliveredId = await enqueueEvent(w.database.db, w.boss, good.id);
  deadId = await enqueueEvent(w.database.db, w.boss, bad.id);
  await eventually(async () => (await findEvent(w.database.db, deliveredId)).status === 'delivered', 20_000);
  await eventually(async () => {
    const { rows } =
      await sql`SELECT 1 FROM pgboss.job WHERE name = 'event-delivery-dead' AND data->>'eventId' = ${deadId}`.execute(
        w.database.db,
      );
    return rows.length === 1;
  }, 20_000);
}, 60_000);

afterAll(async () => {
  await w.stop();
  await ok.close();
  await down.close();
});

async function run(statement: string, eventId = deadId) {
  const { rows } = await sql.raw<Record<string, unknown>>(statement.replaceAll('<event id>', eventId)).execute(w.database.db);
  return rows;
}

describe('the SQL in docs/operations.md', () => {
  test('every query runs against a real database', async () => {
    const statements = guideStatements();
    expect(statements.length).toBeGreaterThanOrEqual(7);
    for (const statement of statements) {
      await expect(
        run(statement).then(
          () => 'ok',
          (e: Error) => `${e.message} in: ${statement}`,
        ),
      ).resolves.toBe('ok');
    }
  });

  test('the dead-letter query shows the event, its organization and the error of its last attempt', async () => {
    const query = guideStatements().find((s) => s.includes("name = 'event-delivery-dead'") && s.includes('LIMIT 100'));
    const rows = await run(query as string);
    expect(rows).toEqual([expect.objectContaining({ event_id: deadId, last_error: 'HTTP 503: maintenance' })]);
  });

  test("the look-up by event id finds the event's fan-out job, its delivery job and its dead-lettered copy", async () => {
    const query = guideStatements().find((s) => s.includes("FROM pgboss.job WHERE data->>'eventId' = '<event id>'"));
    const rows = await run(query as string);
    expect(rows.map((r) => [r.name, r.state])).toEqual([
      [FANOUT_QUEUE, 'completed'],
      [DELIVERY_QUEUE, 'failed'],
      // A worker reads each dead-lettered copy once (its delivery is failed already), completing it.
      ['event-delivery-dead', expect.stringMatching(/^(created|completed)$/)],
    ]);
    expect((await run(query as string, deliveredId)).map((r) => [r.name, r.state])).toEqual([
      [FANOUT_QUEUE, 'completed'],
      [DELIVERY_QUEUE, 'completed'],
    ]);
  });

  test('the look-up by event id reads the triggers_job_event_id index, not the whole job table', async () => {
    // Enough other jobs that a scan of the table would cost more than the index.
    await w.worker.stop(1_000);
    await w.boss.insert(
      DELIVERY_QUEUE,
      Array.from({ length: 20_000 }, () => ({
        data: { eventId: uuidv7(), orgId: uuidv7() },
        startAfter: new Date(Date.now() + 3_600_000),
      })),
    );
    await sql`ANALYZE pgboss.job`.execute(w.database.db);
    const query = guideStatements().find((s) => s.includes("FROM pgboss.job WHERE data->>'eventId' = '<event id>'"));
    const plan = (await run(`EXPLAIN ${query}`)).map((r) => r['QUERY PLAN']).join('\n');
    const { rows: children } = await sql<{ name: string }>`
      SELECT c.relname AS name FROM pg_inherits i JOIN pg_class c ON c.oid = i.inhrelid
      WHERE i.inhparent = ${`pgboss.${QUEUE_INDEXES[0].name}`}::regclass`.execute(w.database.db);
    console.log(`EXPLAIN of the job look-up by event id over ${20_002} jobs:\n${plan}`);
    expect(children.length).toBeGreaterThan(0);
    expect(plan).toMatch(new RegExp(`Index Scan using (${children.map((c) => c.name).join('|')})`));
    expect(plan).not.toMatch(/Seq Scan/);
  });

  test('building the event-id index by hand, concurrently, as the guide shows, leaves nothing for the migration step to build', async () => {
    const url = await createTestDatabase();
    const client = new pg.Client({ connectionString: url });
    await client.connect();
    const boss = createBoss(testConfig(url), {
      instanceName: 'ddl-test',
      max: 2,
      extra: { migrate: false, registerInstance: false },
    });
    boss.on('error', () => {});
    await boss.start();
    try {
      await client.query(`DROP INDEX pgboss.${QUEUE_INDEXES[0].name}`);
      // The by-hand index build (the guide's other psql block sets role settings).
      const ddl = guideStatements('psql').filter((s) => s.includes('event_id'));
      expect(ddl.some((s) => s.includes('CONCURRENTLY'))).toBe(true);
      for (const statement of ddl) await client.query(statement);
      expect(await ensureQueueIndexes(boss)).toEqual([]);
      const { rows } = await client.query(`SELECT indisvalid AS valid FROM pg_index WHERE indexrelid = $1::regclass`, [
        `pgboss.${QUEUE_INDEXES[0].name}`,
      ]);
      expect(rows).toEqual([{ valid: true }]);
    } finally {
      await boss.stop({ graceful: false, close: true });
      await client.end();
    }
  });
});
