import { afterAll, beforeAll, describe, expect, test } from '@jest/globals';
import { createTestDatabase, testConfig } from '@triggers/testing';
import pg from 'pg';
import { createBoss, DELIVERY_QUEUE, oldestReadyJobSeconds, type PgBoss } from '../src/index.js';

let boss: PgBoss;
let client: pg.Client;

beforeAll(async () => {
  const url = await createTestDatabase();
  boss = createBoss(testConfig(url), {
    instanceName: 'queue-age-test',
    max: 2,
    extra: { migrate: false, registerInstance: false },
  });
  boss.on('error', () => {});
  await boss.start();
  client = new pg.Client({ connectionString: url });
  await client.connect();
});

afterAll(async () => {
  await client.end();
  await boss.stop({ graceful: false, close: true });
});

const job = () => ({ data: { eventId: crypto.randomUUID(), orgId: crypto.randomUUID() } });

describe('oldestReadyJobSeconds', () => {
  test('is 0 when no job is due', async () => {
    await boss.insert(DELIVERY_QUEUE, [{ ...job(), startAfter: new Date(Date.now() + 3_600_000) }]);
    expect(await oldestReadyJobSeconds(boss, DELIVERY_QUEUE)).toBe(0);
  });

  test('is how long the oldest due job, queued or retry, has waited; jobs not yet due do not count', async () => {
    await boss.insert(DELIVERY_QUEUE, [job(), job()]);
    await client.query(
      `UPDATE pgboss.job SET start_after = now() - interval '90 seconds'
       WHERE id = (SELECT id FROM pgboss.job WHERE name = $1 AND state = 'created' AND start_after <= now() LIMIT 1)`,
      [DELIVERY_QUEUE],
    );
    const seconds = await oldestReadyJobSeconds(boss, DELIVERY_QUEUE);
    expect(seconds).toBeGreaterThanOrEqual(90);
    expect(seconds).toBeLessThan(120);
    await client.query(
      `UPDATE pgboss.job SET state = 'retry', start_after = now() - interval '600 seconds'
       WHERE id = (SELECT id FROM pgboss.job WHERE name = $1 AND state = 'created' AND start_after > now() LIMIT 1)`,
      [DELIVERY_QUEUE],
    );
    expect(await oldestReadyJobSeconds(boss, DELIVERY_QUEUE)).toBeGreaterThanOrEqual(600);
  });

  test("reads pg-boss's index on live jobs, not the job table", async () => {
    await boss.insert(
      DELIVERY_QUEUE,
      Array.from({ length: 20_000 }, () => ({ ...job(), startAfter: new Date(Date.now() + 3_600_000) })),
    );
    await client.query('ANALYZE pgboss.job');
    const { rows } = await client.query(
      `EXPLAIN SELECT start_after FROM pgboss.job
       WHERE name = $1 AND state = 'created' AND NOT blocked AND start_after <= now() ORDER BY start_after LIMIT 1`,
      [DELIVERY_QUEUE],
    );
    const plan = rows.map((r) => r['QUERY PLAN']).join('\n');
    expect(plan).toMatch(/Index (Only )?Scan using job_common_i14/);
    expect(plan).not.toMatch(/Seq Scan|Sort/);
  });
});
