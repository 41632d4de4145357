import { connect, migrateToLatest } from '@triggers/db';
import { createLogger } from '@triggers/logger';
import { setupQueues } from '@triggers/queue';
import { listenOrExit, loadConfigOrExit, onShutdownSignal } from '@triggers/runtime';
import { MetricsServer } from './metrics/metrics-server.js';
import { WorkerMetrics } from './metrics/worker-metrics.js';
import { createWorker } from './worker.js';
import { createWorkerBoss } from './worker-boss.js';

const config = loadConfigOrExit();
const logger = createLogger({ level: config.logLevel, service: 'worker' });

const database = connect({
  connectionString: config.databaseUrl,
  max: config.databasePoolMax,
  applicationName: 'triggers-worker',
});
if (config.migrateOnStart) {
  const applied = await migrateToLatest(database.db);
  if (applied.length > 0) logger.info('migrations applied', { migrations: applied });
}
const boss = createWorkerBoss(config);
boss.on('error', (err) => logger.error('pg-boss error', { err }));
boss.on('warning', (warning) => logger.warn('pg-boss warning', { warning }));
await boss.start();
await setupQueues(boss, config);

const metrics = new WorkerMetrics({ boss });
const worker = createWorker({ db: database.db, boss, config, logger, metrics, janitor: true });
const server = new MetricsServer({ db: database.db, metrics, logger, port: config.workerMetricsPort, host: config.host });
// A port already taken stops the process with one line and exit code 1.
const port = await listenOrExit(logger, 'worker metrics', { port: config.workerMetricsPort, host: config.host }, server.start());
logger.info('worker metrics listening', { host: config.host, port });
await worker.start();

onShutdownSignal(logger, async () => {
  await worker.stop();
  await boss.stop({ graceful: false, close: true });
  await server.stop();
  await database.close();
});
