import { afterAll, beforeAll, expect, test } from '@jest/globals';
import { connect, type DbHandle } from '@triggers/db';
import { createTestDatabase } from '@triggers/testing';
import { poolAdapter } from '../src/pool-adapter.js';

let database: DbHandle;
beforeAll(async () => {
  database = connect({ connectionString: await createTestDatabase(), max: 2 });
});
afterAll(async () => {
  await database.close();
});

test('a single statement gives its rows', async () => {
  const result = await poolAdapter(database.pool).executeSql('SELECT $1::int AS n', [7]);
  expect(result).toEqual({ rows: [{ n: 7 }] });
});

test('a multi-statement text gives the rows of every statement in order, as pg-boss maintenance needs', async () => {
  const result = await poolAdapter(database.pool).executeSql(
    'BEGIN; SELECT pg_advisory_xact_lock(42); SELECT 1 AS a UNION ALL SELECT 2; SELECT 3 AS b; COMMIT',
  );
  expect(result.rows).toEqual([{ pg_advisory_xact_lock: '' }, { a: 1 }, { a: 2 }, { b: 3 }]);
});
