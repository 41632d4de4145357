/**
 * Brings a database up to date: our tables (`migrations/*.sql`, through Kysely's migrator under
 * its advisory lock), then pg-boss's schema and the delivery and dead-letter queues. Uses the
 * compiled workspace packages, so run `npm run build` first (the npm scripts do).
 */
import { connect, migrateToLatest } from '@triggers/db';
import { createBoss, setupQueues } from '@triggers/queue';

/** @param {import('@triggers/config').Config} config */
export async function migrate(config, log = () => {}) {
  const database = connect({ connectionString: config.databaseUrl, max: 2, applicationName: 'triggers-migrate' });
  try {
    const applied = await migrateToLatest(database.db);
    log(applied.length > 0 ? `applied ${applied.join(', ')}` : 'tables up to date');
  } finally {
    await database.close();
  }

  const boss = createBoss(config, { instanceName: 'migrate', max: 2, extra: { migrate: true, registerInstance: false } });
  let bossError;
  boss.on('error', (error) => {
    bossError ??= error;
  });
  try {
    await boss.start();
    await setupQueues(boss, config);
    log('queue schema and queues up to date');
  } finally {
    await boss.stop({ graceful: false, close: true });
  }
  if (bossError) throw bossError;
}
