import type { Config } from '@triggers/config';
import { connect, type DbHandle } from '@triggers/db';
import { createLogger, type Logger } from '@triggers/logger';
import { type PgBoss, setupQueues } from '@triggers/queue';
import { testConfig } from '@triggers/testing';
import { createWorker, type DeliveryWorker } from '../../src/worker.js';
import { createWorkerBoss } from '../../src/worker-boss.js';

export interface TestWorker {
  worker: DeliveryWorker;
  boss: PgBoss;
  database: DbHandle;
  config: Config;
  stop(): Promise<void>;
}

/** Test defaults: receivers live on 127.0.0.1, retries are quick. Overrides win. */
export const WORKER_ENV = {
  WEBHOOK_ALLOW_PRIVATE: 'true',
  WEBHOOK_RETRY_BASE_SECONDS: '1',
  WEBHOOK_MAX_ATTEMPTS: '5',
  WEBHOOK_TIMEOUT_MS: '2000',
};

/**
 * A worker in this process on the given database, with pg-boss maintenance every second so
 * expiry-driven tests do not wait for the production interval. `stop()` leaves nothing running.
 */
export async function startWorker(
  url: string,
  env: Record<string, string> = {},
  options: { maintenance?: boolean; logger?: Logger } = {},
) {
  const config = testConfig(url, { ...WORKER_ENV, ...env });
  const database = connect({ connectionString: url, max: 5 });
  const boss = createWorkerBoss(config, {
    migrate: false,
    superviseIntervalSeconds: 1,
    monitorIntervalSeconds: 1,
    registerInstance: false,
  });
  boss.on('error', () => {});
  boss.on('warning', () => {});
  await boss.start();
  await setupQueues(boss, config);
  const { logger = createLogger({ service: 'worker-test', level: 'error', silent: true }), ...rest } = options;
  const worker = createWorker({ db: database.db, boss, config, logger, pollingIntervalSeconds: 0.5, ...rest });
  await worker.start();
  const handle: TestWorker = {
    worker,
    boss,
    database,
    config,
    stop: async () => {
      await worker.stop(5_000);
      await boss.stop({ graceful: false, close: true });
      await database.close();
    },
  };
  return handle;
}
