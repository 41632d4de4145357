import http from 'node:http';
import { migrateToLatest } from '@triggers/db';
import { createLogger } from '@triggers/logger';
import { createBoss, setupQueues } from '@triggers/queue';
import { listen, listenOrExit, loadConfigOrExit, onShutdownSignal } from '@triggers/runtime';
import { createHttpTerminator } from 'http-terminator';
import { connectApiDatabase } from './api-database.js';
import { createApp } from './app.js';
import { poolAdapter } from './pool-adapter.js';

const config = loadConfigOrExit();
const logger = createLogger({ level: config.logLevel, service: 'api' });

const database = connectApiDatabase(config);
if (config.migrateOnStart) {
  const applied = await migrateToLatest(database.db);
  if (applied.length > 0) logger.info('migrations applied', { migrations: applied });
}
// The API only sends jobs: pg-boss shares the API's pool and does no maintenance here.
const boss = createBoss(config, { db: poolAdapter(database.pool), instanceName: 'api' });
boss.on('error', (err) => logger.error('pg-boss error', { err }));
boss.on('warning', (warning) => logger.warn('pg-boss warning', { warning }));
await boss.start();
await setupQueues(boss, config);

const app = createApp({ db: database.db, pool: database.pool, boss, config, logger });
const server = http.createServer(app);
server.keepAliveTimeout = 65_000;
// A port already taken stops the process with one line and exit code 1.
const port = await listenOrExit(logger, 'api', config, listen(server, config.port, config.host));
logger.info('api listening', { host: config.host, port });
const terminator = createHttpTerminator({ server, gracefulTerminationTimeout: 25_000 });

onShutdownSignal(logger, async () => {
  await terminator.terminate();
  await boss.stop({ graceful: false, close: false });
  await database.close();
});
