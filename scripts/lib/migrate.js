/**
 * Brings a database up to date (our tables, pg-boss's schema and queues, our indexes on its tables;
 * see migrateDatabase in packages/runtime), over DATABASE_DIRECT_URL. Uses the compiled workspace
 * packages, so run `npm run build` first (the npm scripts do).
 */
import { migrateDatabase } from '@triggers/runtime';

/** @param {import('@triggers/config').Config} config */
export async function migrate(config, log = () => {}) {
  const { migrations, queueIndexes } = await migrateDatabase(config);
  log(migrations.length > 0 ? `applied ${migrations.join(', ')}` : 'tables up to date');
  if (queueIndexes.length > 0) log(`created ${queueIndexes.join(', ')} on the queue's tables`);
  log('queue schema and queues up to date');
}
