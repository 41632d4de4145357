// A fresh, migrated database for one benchmark run, dropped afterwards.
import { randomBytes } from 'node:crypto';
import { loadConfig } from '@triggers/config';
import { migrateDatabase } from '@triggers/runtime';
import pg from 'pg';

function withDatabase(url, name) {
  const u = new URL(url);
  u.pathname = `/${name}`;
  return u.toString();
}

async function admin(serverUrl, sql) {
  const client = new pg.Client({ connectionString: serverUrl });
  await client.connect();
  try {
    await client.query(sql);
  } finally {
    await client.end();
  }
}

export async function withBenchDatabase(fn, env = {}) {
  const serverUrl = process.env.DATABASE_URL;
  if (!serverUrl) throw new Error('Set DATABASE_URL to a Postgres server the benchmark may create a database on');
  const name = `triggers_bench_${Date.now().toString(36)}_${randomBytes(3).toString('hex')}`;
  await admin(serverUrl, `CREATE DATABASE "${name}"`);
  const url = withDatabase(serverUrl, name);
  try {
    await migrateDatabase(loadConfig({ DATABASE_URL: url, ...env }), { instanceName: 'bench-setup' });
    return await fn(url);
  } finally {
    await admin(serverUrl, `DROP DATABASE IF EXISTS "${name}" WITH (FORCE)`);
  }
}
