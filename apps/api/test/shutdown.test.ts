import type { ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { createServer } from 'node:net';
import { afterAll, beforeAll, describe, expect, test } from '@jest/globals';
import { listen } from '@triggers/runtime';
import { createTestDatabase, spawnApp } from '@triggers/testing';
import { API_MAIN, apiEnv, startApiProcess } from './api-process.js';

let url: string;
beforeAll(async () => {
  url = await createTestDatabase();
});

let running: ChildProcess | undefined;
afterAll(() => {
  if (running && running.exitCode === null) running.kill('SIGKILL');
});

describe('the API process', () => {
  test('on SIGTERM finishes the request in flight, then exits 0', async () => {
    const api = await startApiProcess(url);
    running = api.child;
    const signup = await fetch(`${api.base}/api/keys/generate`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ organization_name: 'Shutdown', tier: 'enterprise' }),
    });
    const { api_key } = (await signup.json()) as { api_key: string };
    const events = Array.from({ length: 1000 }, (_, n) => ({ type: 'bulk', payload: { n, pad: 'x'.repeat(500) } }));
    const inFlight = fetch(`${api.base}/api/events/batch`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'x-api-key': api_key },
      body: JSON.stringify({ events }),
    });
    await new Promise((resolve) => setTimeout(resolve, 20));
    const exited = once(api.child, 'exit');
    api.child.kill('SIGTERM');
    const res = await inFlight;
    expect(res.status).toBe(200);
    const body = (await res.json()) as { results: { status: number }[] };
    expect(body.results.filter((r) => r.status === 201)).toHaveLength(1000);
    const [code] = await exited;
    expect(code).toBe(0);
    expect(api.output()).toContain('"message":"stopped"');
  });

  test('with a malformed setting, stops at start with one line naming it', async () => {
    const api = spawnApp(API_MAIN, apiEnv(url, { PORT: 'eighty' }));
    expect((await api.exited).code).toBe(1);
    expect(api.output().trim().split('\n')).toEqual([expect.stringMatching(/^Configuration error: PORT /)]);
  });

  test('with its port taken, stops at start with one log line saying so and exit code 1', async () => {
    const taken = createServer();
    const port = await listen(taken, 0, '127.0.0.1');
    try {
      const api = spawnApp(API_MAIN, apiEnv(url, { PORT: String(port) }));
      expect((await api.exited).code).toBe(1);
      const problems = api.logs.filter((line) => line.level === 'error' || 'stderr' in line || 'raw' in line);
      expect(problems).toEqual([
        expect.objectContaining({
          message: `api cannot listen: port ${port} on 127.0.0.1 is already in use`,
          code: 'EADDRINUSE',
        }),
      ]);
      expect(api.logs.map((line) => line.message)).not.toContain('api listening');
    } finally {
      taken.close();
    }
  });
});
