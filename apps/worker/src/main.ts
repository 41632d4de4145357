import { connect } from '@triggers/db';
import { createLogger } from '@triggers/logger';
import { setupQueues } from '@triggers/queue';
import { listenOrExit, loadConfigOrExit, migrateDatabase, onShutdownSignal } from '@triggers/runtime';
import { shutdownTracing } from '@triggers/telemetry';
import { MetricsServer } from './metrics/metrics-server.js';
import { WorkerMetrics } from './metrics/worker-metrics.js';
import { createWorker } from './worker.js';
import { createWorkerBoss } from './worker-boss.js';

const config = loadConfigOrExit();
const logger = createLogger({ level: config.logLevel, service: 'worker' });

if (config.migrateOnStart) {
  const applied = await migrateDatabase(config, { instanceName: 'worker-migrate' });
  if (applied.migrations.length > 0) logger.info('migrations applied', { migrations: applied.migrations });
  if (applied.queueIndexes.length > 0) logger.info('queue indexes created', { indexes: applied.queueIndexes });
}
// The worker's own queries (events, attempts, settling jobs in the same transaction) go through
// DATABASE_URL, which may be a transaction pooler; its pg-boss (fetch, heartbeats, maintenance,
// LISTEN) has a pool of its own on DATABASE_DIRECT_URL.
const database = connect({
  connectionString: config.databaseUrl,
  max: config.databasePoolMax,
  applicationName: 'triggers-worker',
});
const boss = createWorkerBoss(config);
boss.on('error', (err) => logger.error('pg-boss error', { err }));
boss.on('warning', (warning) => logger.warn('pg-boss warning', { warning }));
await boss.start();
await setupQueues(boss, config);

const metrics = new WorkerMetrics({ boss, db: database.db });
const worker = createWorker({ db: database.db, boss, config, logger, metrics, maintenance: true });
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
  await shutdownTracing();
});
