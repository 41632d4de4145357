import { randomBytes } from 'node:crypto';
import { type Config, loadConfig } from '@triggers/config';
import { connect, migrateToLatest } from '@triggers/db';
import { createBoss, setupQueues } from '@triggers/queue';
import pg from 'pg';

/** The migrated database every test file's own database is cloned from. */
export const TEMPLATE_DATABASE = 'triggers_test_template';
const TEST_DATABASE_PREFIX = 'triggers_test_';

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
 * Drops the test databases an earlier run left (kept until now so a failure can be inspected),
 * then builds the template: our migrations, pg-boss's schema and the queues.
 */
export async function prepareTemplateDatabase(): Promise<void> {
  await admin(async (client) => {
    const { rows } = await client.query<{ datname: string }>(
      `SELECT datname FROM pg_database WHERE datname LIKE '${TEST_DATABASE_PREFIX}%'`,
    );
    for (const { datname } of rows) {
      await client.query(`DROP DATABASE IF EXISTS "${datname}" WITH (FORCE)`);
    }
    await client.query(`CREATE DATABASE "${TEMPLATE_DATABASE}"`);
  });
  const config = testConfig(databaseUrl(TEMPLATE_DATABASE));
  const handle = connect({ connectionString: config.databaseUrl, max: 2 });
  try {
    await migrateToLatest(handle.db);
  } finally {
    await handle.close();
  }
  const boss = createBoss(config, { instanceName: 'test-template', max: 2, extra: { registerInstance: false } });
  boss.on('error', () => {});
  await boss.start();
  await setupQueues(boss, config);
  await boss.stop({ graceful: false, close: true });
}

/** A fresh database of its own for one test file, cloned from the template. */
export async function createTestDatabase(): Promise<string> {
  const name = `${TEST_DATABASE_PREFIX}${Date.now().toString(36)}_${randomBytes(4).toString('hex')}`;
  // CREATE DATABASE ... TEMPLATE fails while anyone else is connected to the template; retry briefly.
  for (let attempt = 0; ; attempt++) {
    try {
      await admin((client) => client.query(`CREATE DATABASE "${name}" TEMPLATE "${TEMPLATE_DATABASE}"`));
      return databaseUrl(name);
    } catch (error) {
      if (attempt >= 20) throw error;
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
