import { createServer } from 'node:net';
import { afterAll, beforeAll, describe, expect, test } from '@jest/globals';
import { createTestDatabase } from '@triggers/testing';
import pg from 'pg';
import { isDatabaseUnavailable } from '../src/unavailable.js';

// Every error here is a real one, from a real server or socket.
let url: string;
beforeAll(async () => {
  url = await createTestDatabase();
});

const clients: pg.Client[] = [];
async function client(connectionString = url): Promise<pg.Client> {
  const c = new pg.Client({ connectionString });
  c.on('error', () => {});
  clients.push(c);
  await c.connect();
  return c;
}
afterAll(async () => {
  await Promise.all(clients.map((c) => c.end().catch(() => {})));
});

async function errorOf(work: () => Promise<unknown>): Promise<unknown> {
  try {
    await work();
  } catch (error) {
    return error;
  }
  throw new Error('expected an error');
}

describe('isDatabaseUnavailable', () => {
  test('a refused connection (nothing listening) is unavailable', async () => {
    const server = createServer();
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const { port } = server.address() as { port: number };
    await new Promise((resolve) => server.close(resolve));
    const error = await errorOf(() => client(`postgres://postgres@127.0.0.1:${port}/x`));
    expect(isDatabaseUnavailable(error)).toBe(true);
  });

  test('a session ended by the server (pg_terminate_backend: 57P01) is unavailable', async () => {
    const victim = await client();
    const pid = (await victim.query<{ pid: number }>('SELECT pg_backend_pid() AS pid')).rows[0]?.pid;
    await (await client()).query('SELECT pg_terminate_backend($1)', [pid]);
    expect(isDatabaseUnavailable(await errorOf(() => victim.query('SELECT 1')))).toBe(true);
  });

  test('a statement ended by statement_timeout (57014) is unavailable', async () => {
    const c = await client();
    await c.query('SET statement_timeout = 50');
    const error = await errorOf(() => c.query('SELECT pg_sleep(2)'));
    expect((error as { code?: string }).code).toBe('57014');
    expect(isDatabaseUnavailable(error)).toBe(true);
  });

  test('a lock not granted within lock_timeout (55P03) is unavailable', async () => {
    const holder = await client();
    await holder.query('BEGIN; LOCK TABLE events IN ACCESS EXCLUSIVE MODE');
    const waiter = await client();
    await waiter.query('SET lock_timeout = 50');
    const error = await errorOf(() => waiter.query('SELECT * FROM events'));
    expect((error as { code?: string }).code).toBe('55P03');
    expect(isDatabaseUnavailable(error)).toBe(true);
    await holder.query('ROLLBACK');
  });

  test.each([
    ['a syntax error', 'SELEC 1'],
    ['bad input', "SELECT 'x'::int"],
    ['a unique violation', 'CREATE TEMP TABLE u (n int PRIMARY KEY); INSERT INTO u VALUES (1), (1)'],
    ['a missing table', 'SELECT * FROM no_such_table'],
  ])('%s is not: it stays a 500', async (_what, text) => {
    const c = await client();
    expect(isDatabaseUnavailable(await errorOf(() => c.query(text)))).toBe(false);
  });

  test('a pool our own code has ended is not: that is a bug or a shutdown, not the database', async () => {
    const pool = new pg.Pool({ connectionString: url });
    await pool.end();
    expect(isDatabaseUnavailable(await errorOf(() => pool.query('SELECT 1')))).toBe(false);
  });

  test('a cause or an AggregateError holding an outage is one', () => {
    const refused = Object.assign(new Error('connect ECONNREFUSED 127.0.0.1:1'), { code: 'ECONNREFUSED' });
    expect(isDatabaseUnavailable(new AggregateError([refused], 'connect failed'))).toBe(true);
    expect(isDatabaseUnavailable(new Error('enqueue failed', { cause: refused }))).toBe(true);
    expect(isDatabaseUnavailable(new Error('enqueue failed', { cause: new Error('bug') }))).toBe(false);
  });
});
