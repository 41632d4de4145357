import { fileURLToPath } from 'node:url';
import { type AppProcess, spawnApp } from '@triggers/testing';

// The compiled API (npm test builds before running Jest), as it runs in production.
export const API_MAIN = fileURLToPath(new URL('../dist/main.js', import.meta.url));

/** The API's environment for the tests: that database, a port chosen by the system, on 127.0.0.1. */
export function apiEnv(databaseUrl: string, env: Record<string, string> = {}): NodeJS.ProcessEnv {
  return { ...process.env, DATABASE_URL: databaseUrl, PORT: '0', HOST: '127.0.0.1', LOG_LEVEL: 'info', ...env };
}

export interface ApiProcess extends AppProcess {
  /** `http://127.0.0.1:<port>` */
  base: string;
}

/** `node apps/api/dist/main.js` on the given database; resolves once it listens. */
export async function startApiProcess(databaseUrl: string, env: Record<string, string> = {}): Promise<ApiProcess> {
  const api = spawnApp(API_MAIN, apiEnv(databaseUrl, env));
  try {
    const ready = await api.waitFor((line) => line.message === 'api listening');
    return { ...api, base: `http://127.0.0.1:${ready.port}` };
  } catch (error) {
    api.kill('SIGKILL');
    throw error;
  }
}
