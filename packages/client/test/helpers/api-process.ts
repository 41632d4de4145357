import { type ApiProcess as AppApiProcess, startApiProcess } from '../../../../apps/api/test/api-process.js';

export interface ApiProcess extends AppApiProcess {
  /** `http://127.0.0.1:<port>` */
  url: string;
  stop(): Promise<void>;
}

/** The compiled API as it runs in production, on 127.0.0.1 and a free port, with private targets allowed (receivers on 127.0.0.1). */
export async function spawnApi(databaseUrl: string, env: Record<string, string> = {}): Promise<ApiProcess> {
  const api = await startApiProcess(databaseUrl, { MIGRATE_ON_START: 'false', WEBHOOK_ALLOW_PRIVATE: 'true', ...env });
  return {
    ...api,
    url: api.base,
    stop: async () => {
      if (api.child.exitCode === null && api.child.signalCode === null) api.kill('SIGKILL');
      await api.exited;
    },
  };
}
