import type { Config } from '@triggers/config';
import { connect, type DbHandle } from '@triggers/db';
import { createLogger } from '@triggers/logger';
import { createBoss, type PgBoss } from '@triggers/queue';
import { createTestDatabase, testConfig } from '@triggers/testing';
import type express from 'express';
import request from 'supertest';
import { createApp } from '../src/app.js';
import { poolAdapter } from '../src/pool-adapter.js';

export interface TestApi {
  app: express.Express;
  database: DbHandle;
  boss: PgBoss;
  config: Config;
  url: string;
  close(): Promise<void>;
}

/** An API app on the given database (a fresh clone of the template when none is given). */
export async function startApi(options: { url?: string; env?: Record<string, string> } = {}): Promise<TestApi> {
  const url = options.url ?? (await createTestDatabase());
  const config = testConfig(url, options.env);
  const database = connect({ connectionString: url, max: 10 });
  const boss = createBoss(config, {
    db: poolAdapter(database.pool),
    instanceName: 'api-test',
    extra: { migrate: false, registerInstance: false },
  });
  boss.on('error', () => {});
  await boss.start();
  const logger = createLogger({ service: 'api-test', level: 'error', silent: true });
  const app = createApp({ db: database.db, pool: database.pool, boss, config, logger, defaultMetrics: false });
  return {
    app,
    database,
    boss,
    config,
    url,
    close: async () => {
      await boss.stop({ graceful: false, close: false });
      await database.close();
    },
  };
}

export interface TestOrg {
  id: string;
  key: string;
  name: string;
}

let orgCounter = 0;

/** Signs up a new organization and returns its id and key. */
export async function signUp(app: express.Express, body: Record<string, unknown> = {}): Promise<TestOrg> {
  const name = `Org ${++orgCounter}`;
  const res = await request(app)
    .post('/api/keys/generate')
    .send({ organization_name: name, ...body })
    .expect(201);
  return { id: res.body.organization_id, key: res.body.api_key, name: res.body.organization_name };
}

export const UUID_PATTERN = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;
export const ISO_PATTERN = /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/;
