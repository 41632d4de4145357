import { type ChildProcess, spawn } from 'node:child_process';
import { once } from 'node:events';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, test } from '@jest/globals';
import { createTestDatabase } from '@triggers/testing';

// The compiled API (npm test builds before running Jest), as it runs in production.
const MAIN = fileURLToPath(new URL('../dist/main.js', import.meta.url));

let url: string;
beforeAll(async () => {
  url = await createTestDatabase();
});

async function startApi(env: Record<string, string> = {}): Promise<{ child: ChildProcess; base: string; output: () => string }> {
  let output = '';
  const child = spawn(process.execPath, [MAIN], {
    env: { ...process.env, DATABASE_URL: url, PORT: '0', HOST: '127.0.0.1', LOG_LEVEL: 'info', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  child.stderr?.on('data', (d) => {
    output += d;
  });
  const port = await new Promise<number>((resolve, reject) => {
    child.stdout?.on('data', (chunk: Buffer) => {
      output += chunk;
      const match = /"message":"api listening","port":(\d+)/.exec(output);
      if (match) resolve(Number(match[1]));
    });
    child.once('exit', (code) => reject(new Error(`api exited with ${code}: ${output}`)));
  });
  return { child, base: `http://127.0.0.1:${port}`, output: () => output };
}

let running: ChildProcess | undefined;
afterAll(() => {
  if (running && running.exitCode === null) running.kill('SIGKILL');
});

describe('the API process', () => {
  test('on SIGTERM finishes the request in flight, then exits 0', async () => {
    const api = await startApi();
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
    const child = spawn(process.execPath, [MAIN], {
      env: { ...process.env, DATABASE_URL: url, PORT: 'eighty' },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stderr = '';
    child.stderr.on('data', (d) => {
      stderr += d;
    });
    const [code] = await once(child, 'exit');
    expect(code).toBe(1);
    expect(stderr.trim().split('\n')).toEqual([expect.stringMatching(/^Configuration error: PORT /)]);
  });
});
