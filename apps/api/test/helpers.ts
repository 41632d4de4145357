import type { Config } from '@triggers/config';
import { type DbHandle, type EventStatus, uuidv7 } from '@triggers/db';
import { createLogger, type Logger } from '@triggers/logger';
import { createBoss, type PgBoss } from '@triggers/queue';
import { createTestDatabase, testConfig } from '@triggers/testing';
import type express from 'express';
import { sql } from 'kysely';
import request from 'supertest';
import { connectApiDatabase } from '../src/api-database.js';
import { createApp } from '../src/app.js';
import type { MemoryBudget } from '../src/memory/budget.js';
import { poolAdapter } from '../src/pool-adapter.js';

export interface TestApi {
  app: express.Express;
  database: DbHandle;
  boss: PgBoss;
  config: Config;
  url: string;
  close(): Promise<void>;
}

/**
 * An API app on the given database (a fresh clone of the template when none is given); `now` is
 * the clock of its rate-limit windows, `memoryBudget` its heap budget (tests pass a small one).
 */
export async function startApi(
  options: { url?: string; env?: Record<string, string>; now?: () => number; logger?: Logger; memoryBudget?: MemoryBudget } = {},
): Promise<TestApi> {
  const url = options.url ?? (await createTestDatabase());
  const config = testConfig(url, options.env);
  const database = connectApiDatabase(config, 'api-test');
  const boss = createBoss(config, {
    db: poolAdapter(database.pool),
    instanceName: 'api-test',
    extra: { migrate: false, registerInstance: false },
  });
  boss.on('error', () => {});
  await boss.start();
  const logger = options.logger ?? createLogger({ service: 'api-test', level: 'error', silent: true });
  const app = createApp({
    db: database.db,
    pool: database.pool,
    boss,
    config,
    logger,
    defaultMetrics: false,
    now: options.now,
    memoryBudget: options.memoryBudget,
  });
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

export interface InsertedEvent {
  id: string;
  created_at: Date;
}

/**
 * Stores events straight into the database, for tests that need control over `created_at`,
 * `status` or ids (the API stamps `created_at` itself). Defaults: status pending, now.
 */
export async function insertEvents(
  api: TestApi,
  orgId: string,
  events: {
    id?: string;
    type?: string;
    payload?: Record<string, unknown>;
    status?: EventStatus;
    createdAt?: Date;
    deliveredAt?: Date | null;
  }[],
): Promise<InsertedEvent[]> {
  if (events.length === 0) return [];
  const rows = events.map((e) => ({
    id: e.id ?? uuidv7(),
    org_id: orgId,
    type: e.type ?? 'test.event',
    payload: JSON.stringify(e.payload ?? {}),
    status: e.status ?? 'pending',
    delivered_at: e.deliveredAt ?? null,
    created_at: e.createdAt ?? new Date(),
  }));
  // created_at is not insertable through the table type (the database stamps it); tests set it.
  const { rows: inserted } = await sql<InsertedEvent>`
    INSERT INTO events (id, org_id, type, payload, status, delivered_at, created_at)
    SELECT * FROM unnest(${rows.map((r) => r.id)}::uuid[], ${rows.map((r) => r.org_id)}::uuid[],
      ${rows.map((r) => r.type)}::text[], ${rows.map((r) => r.payload)}::jsonb[], ${rows.map((r) => r.status)}::text[],
      ${rows.map((r) => r.delivered_at)}::timestamptz[], ${rows.map((r) => r.created_at)}::timestamptz[])
    RETURNING id, created_at`.execute(api.database.db);
  const stored = new Map(inserted.map((r) => [r.id, r.created_at]));
  return rows.map((r) => ({ id: r.id, created_at: stored.get(r.id) as Date }));
}

/** One event stored straight into the database (see insertEvents). */
export async function insertEvent(
  api: TestApi,
  orgId: string,
  event: Parameters<typeof insertEvents>[2][number] = {},
): Promise<InsertedEvent> {
  const [inserted] = await insertEvents(api, orgId, [event]);
  if (!inserted) throw new Error('insertEvents stored nothing');
  return inserted;
}
