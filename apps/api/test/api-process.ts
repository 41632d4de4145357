import { fileURLToPath } from 'node:url';
import { type AppProcess, spawnApp } from '@triggers/testing';
import { appEnv, appNodeArgs } from '../../../scripts/lib/app-command.js';

// The compiled API (npm test builds before running Jest), as it runs in production.
export const API_MAIN = fileURLToPath(new URL('../dist/main.js', import.meta.url));

/**
 * The node flags production starts the API with (`npm run start:api`: --max-old-space-size=128),
 * its script and its tracing preload aside (spawnApp adds the preload beside the entry itself).
 */
export const API_NODE_FLAGS = appNodeArgs('api').filter((arg) => arg.startsWith('-') && !arg.startsWith('--import'));

/**
 * The API's environment for the tests: that database, a port chosen by the system, on
 * 127.0.0.1, and what production adds (scripts/lib/app-command.js).
 */
export function apiEnv(databaseUrl: string, env: Record<string, string> = {}): NodeJS.ProcessEnv {
  return { ...process.env, ...appEnv('api'), DATABASE_URL: databaseUrl, PORT: '0', HOST: '127.0.0.1', LOG_LEVEL: 'info', ...env };
}

export interface ApiProcess extends AppProcess {
  /** `http://127.0.0.1:<port>` */
  base: string;
}

/**
 * `node --max-old-space-size=128 apps/api/dist/main.js` (production's flags) on the given
 * database; resolves once it listens.
 */
export async function startApiProcess(databaseUrl: string, env: Record<string, string> = {}): Promise<ApiProcess> {
  const api = spawnApp(API_MAIN, apiEnv(databaseUrl, env), API_NODE_FLAGS);
  try {
    const ready = await api.waitFor((line) => line.message === 'api listening');
    return { ...api, base: `http://127.0.0.1:${ready.port}` };
  } catch (error) {
    api.kill('SIGKILL');
    throw error;
  }
}
