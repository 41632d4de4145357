import type { Config } from '@triggers/config';
import { connect, migrateToLatest } from '@triggers/db';
import { createBoss, ensureQueueIndexes, setupQueues } from '@triggers/queue';

export interface MigrationReport {
  /** Our migrations/ files applied now. */
  migrations: string[];
  /** Our indexes on pg-boss's tables created now. */
  queueIndexes: string[];
}

/**
 * Brings a database up to date, in this order, over DATABASE_DIRECT_URL (migrations take advisory
 * locks and run DDL, which belong on a session of their own, not behind a transaction pooler):
 * our tables (`migrations/*.sql`), pg-boss's schema, the queues, then our indexes on pg-boss's
 * tables, which can only come once pg-boss has created them. Each step is idempotent and safe
 * with several processes running it at once. Opens at most 2 + 2 connections and closes them.
 */
export async function migrateDatabase(config: Config, options: { instanceName?: string } = {}): Promise<MigrationReport> {
  const database = connect({ connectionString: config.databaseDirectUrl, max: 2, applicationName: 'triggers-migrate' });
  let migrations: string[];
  try {
    migrations = await migrateToLatest(database.db);
  } finally {
    await database.close();
  }

  const boss = createBoss(config, {
    instanceName: options.instanceName ?? 'migrate',
    max: 2,
    extra: { migrate: true, registerInstance: false },
  });
  let bossError: unknown;
  boss.on('error', (error) => {
    bossError ??= error;
  });
  let queueIndexes: string[];
  try {
    await boss.start();
    await setupQueues(boss, config);
    queueIndexes = await ensureQueueIndexes(boss);
  } finally {
    await boss.stop({ graceful: false, close: true });
  }
  if (bossError) throw bossError;
  return { migrations, queueIndexes };
}
