import { randomBytes } from 'node:crypto';
import { type Config, loadConfig } from '@triggers/config';
import { migrateDatabase } from '@triggers/runtime';
import pg from 'pg';

const PREFIX = 'triggers_test_';
/** Databases of runs older than this are dropped by the next run; newer ones may still be in use. */
const STALE_AFTER_MS = 30 * 60_000;

/**
 * One id per `npm test` run, set by the global setup and inherited by Jest's workers, so
 * concurrent runs on one server never touch each other's databases.
 */
function runId(): string {
  const id = process.env.TRIGGERS_TEST_RUN;
  if (!id) throw new Error('TRIGGERS_TEST_RUN is not set: run the tests with npm test');
  return id;
}

export function templateDatabase(): string {
  return `${PREFIX}${runId()}_template`;
}

export function serverUrl(): string {
  const url = process.env.DATABASE_URL;
  if (!url) throw new Error('DATABASE_URL must be set for the tests (npm test sets it)');
  return url;
}

export function databaseUrl(name: string, base: string = serverUrl()): string {
  const url = new URL(base);
  url.pathname = `/${name}`;
  return url.toString();
}

async function admin<T>(fn: (client: pg.Client) => Promise<T>): Promise<T> {
  const client = new pg.Client({ connectionString: serverUrl() });
  await client.connect();
  try {
    return await fn(client);
  } finally {
    await client.end();
  }
}

/**
 * Starts a run: drops the databases of runs older than half an hour (a failed run's data is
 * kept until then for inspection), then builds this run's template as a deployment migrates:
 * our migrations, pg-boss's schema, the queues and our indexes on its tables.
 */
export async function prepareTemplateDatabase(): Promise<void> {
  process.env.TRIGGERS_TEST_RUN ??= `${Date.now().toString(36)}${randomBytes(2).toString('hex')}`;
  await admin(async (client) => {
    const { rows } = await client.query<{ datname: string }>(`SELECT datname FROM pg_database WHERE datname LIKE '${PREFIX}%'`);
    for (const { datname } of rows) {
      const started = Number.parseInt(datname.slice(PREFIX.length, PREFIX.length + 8), 36);
      if (Number.isFinite(started) && Date.now() - started > STALE_AFTER_MS) {
        await client.query(`DROP DATABASE IF EXISTS "${datname}" WITH (FORCE)`);
      }
    }
    await client.query(`CREATE DATABASE "${templateDatabase()}"`);
  });
  await migrateDatabase(testConfig(databaseUrl(templateDatabase())), { instanceName: 'test-template' });
}

/** Ends a run: its template goes; its test databases stay for inspection until a later run. */
export async function dropTemplateDatabase(): Promise<void> {
  await admin((client) => client.query(`DROP DATABASE IF EXISTS "${templateDatabase()}" WITH (FORCE)`));
}

/** A fresh database of its own for one test file, cloned from the run's template. */
export async function createTestDatabase(): Promise<string> {
  const name = `${PREFIX}${runId()}_${randomBytes(4).toString('hex')}`;
  // CREATE DATABASE ... TEMPLATE fails while anyone else is connected to the template; retry briefly.
  for (let attempt = 0; ; attempt++) {
    try {
      await admin((client) => client.query(`CREATE DATABASE "${name}" TEMPLATE "${templateDatabase()}"`));
      return databaseUrl(name);
    } catch (error) {
      if (attempt >= 50) throw error;
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
  }
}

/** A config for tests: the given database, quiet logs, fast retries; overrides win. */
export function testConfig(databaseUrl: string, overrides: Record<string, string> = {}): Config {
  return loadConfig({
    DATABASE_URL: databaseUrl,
    LOG_LEVEL: 'error',
    PORT: '0',
    WORKER_METRICS_PORT: '0',
    ...overrides,
  });
}

/** An empty database of its own (no migrations, no queue schema), for tests of the migrations themselves. */
export async function createEmptyDatabase(): Promise<string> {
  const name = `${PREFIX}${runId()}_${randomBytes(4).toString('hex')}_empty`;
  await admin((client) => client.query(`CREATE DATABASE "${name}"`));
  return databaseUrl(name);
}
