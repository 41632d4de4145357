import { type ChildProcess, spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

const ROOT = fileURLToPath(new URL('../../../', import.meta.url));

/** What each app logs once it serves (the API's line carries its port). */
const READY: Record<AppName, string> = { api: 'api listening', worker: 'worker started' };

export type AppName = 'api' | 'worker';

export interface AppProcess {
  child: ChildProcess;
  /** The API's base URL (`http://127.0.0.1:<port>`); empty for the worker. */
  url: string;
  /** Every line the process wrote, parsed as JSON where it was JSON. */
  logs: Record<string, unknown>[];
  /** SIGTERM, then SIGKILL after `graceMs`; resolves once the process has exited. */
  stop(graceMs?: number): Promise<void>;
}

/**
 * `node apps/<app>/dist/main.js` (built by `npm test`) on a database that is already migrated,
 * listening on 127.0.0.1 only; resolves once it logs that it is ready (rejects if it exits first
 * or is not ready within `timeoutMs`).
 */
export async function spawnApp(
  app: AppName,
  databaseUrl: string,
  env: Record<string, string> = {},
  timeoutMs = 20_000,
): Promise<AppProcess> {
  const main = `${ROOT}apps/${app}/dist/main.js`;
  if (!existsSync(main)) throw new Error(`${main} is missing: run npx tsc -b (npm test does)`);
  const child = spawn(process.execPath, [main], {
    env: {
      PATH: process.env.PATH,
      DATABASE_URL: databaseUrl,
      PORT: '0',
      HOST: '127.0.0.1',
      WORKER_METRICS_PORT: '0',
      MIGRATE_ON_START: 'false',
      LOG_LEVEL: 'info',
      ...env,
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const logs: Record<string, unknown>[] = [];
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  const ready = new Promise<string>((resolve, reject) => {
    let buffer = '';
    child.stdout?.on('data', (chunk: Buffer) => {
      buffer += chunk.toString('utf8');
      const lines = buffer.split('\n');
      buffer = lines.pop() ?? '';
      for (const line of lines) {
        let entry: Record<string, unknown>;
        try {
          entry = JSON.parse(line);
        } catch {
          entry = { raw: line };
        }
        logs.push(entry);
        if (entry.message === READY[app]) resolve(app === 'api' ? `http://127.0.0.1:${entry.port}` : '');
      }
    });
    child.stderr?.on('data', (chunk: Buffer) => logs.push({ stderr: chunk.toString('utf8') }));
    void exited.then(() => reject(new Error(`${app} exited before it was ready: ${JSON.stringify(logs)}`)));
  });
  const stop = async (graceMs = 10_000) => {
    if (child.exitCode !== null || child.signalCode !== null) return;
    child.kill('SIGTERM');
    const timer = setTimeout(() => child.kill('SIGKILL'), graceMs);
    await exited;
    clearTimeout(timer);
  };
  let timer: NodeJS.Timeout | undefined;
  try {
    const url = await Promise.race([
      ready,
      new Promise<never>((_, reject) => {
        timer = setTimeout(
          () => reject(new Error(`${app} was not ready within ${timeoutMs} ms: ${JSON.stringify(logs)}`)),
          timeoutMs,
        );
      }),
    ]);
    return { child, url, logs, stop };
  } catch (error) {
    await stop(0);
    throw error;
  } finally {
    clearTimeout(timer);
  }
}
