import { createLogger } from '@triggers/logger';
import { createBoss, setupQueues } from '@triggers/queue';
import { listen, listenOrExit, loadConfigOrExit, migrateDatabase, onShutdownSignal } from '@triggers/runtime';
import { shutdownTracing } from '@triggers/telemetry';
import { createHttpTerminator } from 'http-terminator';
import { connectApiDatabase } from './api-database.js';
import { createApp } from './app.js';
import { createServer } from './http/server.js';
import { poolAdapter } from './pool-adapter.js';

const config = loadConfigOrExit();
const logger = createLogger({ level: config.logLevel, service: 'api' });

if (config.migrateOnStart) {
  const applied = await migrateDatabase(config, { instanceName: 'api-migrate' });
  if (applied.migrations.length > 0) logger.info('migrations applied', { migrations: applied.migrations });
  if (applied.queueIndexes.length > 0) logger.info('queue indexes created', { indexes: applied.queueIndexes });
}
const database = connectApiDatabase(config);
// The API only sends jobs: pg-boss shares the API's (poolable) pool, with no maintenance, no LISTEN
// and no schema migration here (migrateDatabase did that, on the direct connection).
const boss = createBoss(config, { db: poolAdapter(database.pool), instanceName: 'api', extra: { migrate: false } });
boss.on('error', (err) => logger.error('pg-boss error', { err }));
boss.on('warning', (warning) => logger.warn('pg-boss warning', { warning }));
await boss.start();
await setupQueues(boss, config);

const app = createApp({ db: database.db, pool: database.pool, boss, config, logger });
const server = createServer(app);
// A port already taken stops the process with one line and exit code 1.
const port = await listenOrExit(logger, 'api', config, listen(server, config.port, config.host));
logger.info('api listening', { host: config.host, port });
const terminator = createHttpTerminator({ server, gracefulTerminationTimeout: 25_000 });

onShutdownSignal(logger, async () => {
  await terminator.terminate();
  await boss.stop({ graceful: false, close: false });
  await database.close();
  await shutdownTracing();
});
