import { fileURLToPath } from 'node:url';
import { type AppProcess, spawnApp } from '@triggers/testing';

export const WORKER_MAIN = fileURLToPath(new URL('../../dist/main.js', import.meta.url));

export type WorkerProcess = Pick<AppProcess, 'child' | 'logs' | 'exited' | 'kill' | 'output' | 'waitFor'>;

/** The worker's environment for the tests: that database, ports chosen by the system, private targets allowed. */
export function workerEnv(databaseUrl: string, env: Record<string, string> = {}): NodeJS.ProcessEnv {
  return {
    PATH: process.env.PATH,
    DATABASE_URL: databaseUrl,
    WORKER_METRICS_PORT: '0',
    HOST: '127.0.0.1',
    MIGRATE_ON_START: 'false',
    WEBHOOK_ALLOW_PRIVATE: 'true',
    LOG_LEVEL: 'info',
    ...env,
  };
}

/** `node apps/worker/dist/main.js` (built by `npm test`) on the given database; resolves once it works the queue. */
export async function spawnWorker(databaseUrl: string, env: Record<string, string> = {}): Promise<WorkerProcess> {
  const worker = spawnApp(WORKER_MAIN, workerEnv(databaseUrl, env));
  try {
    await worker.waitFor((line) => line.message === 'worker started');
  } catch (error) {
    worker.kill('SIGKILL');
    throw error;
  }
  return worker;
}
