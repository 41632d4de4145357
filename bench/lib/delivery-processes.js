// API and worker processes for the delivery benchmark, their JSON logs read but not echoed.
import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { appEnv, appNodeArgs } from '../../scripts/lib/app-command.js';

const root = fileURLToPath(new URL('../../', import.meta.url));

/**
 * Starts apps/<app>/dist/main.js; resolves once it logs `readyMessage` (or, without one, once
 * `readyUrl` answers 200). Errors and warnings it logs are echoed, unless `quiet`.
 */
export function startApp(app, env, { readyMessage, readyUrl, quiet = false }) {
  const child = spawn(process.execPath, appNodeArgs(app), {
    cwd: root,
    env: { ...process.env, ...appEnv(app), MIGRATE_ON_START: 'false', HOST: '127.0.0.1', ...env },
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  let buffer = '';
  const started = new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`${app} did not start within 30 s`));
    }, 30_000);
    if (readyUrl) {
      const poll = () =>
        fetch(readyUrl).then(
          (res) => {
            if (!res.ok) return setTimeout(poll, 100);
            clearTimeout(timer);
            resolve(child);
          },
          () => setTimeout(poll, 100),
        );
      poll();
    }
    child.stdout.on('data', (chunk) => {
      buffer += chunk.toString('utf8');
      const lines = buffer.split('\n');
      buffer = lines.pop() ?? '';
      for (const line of lines) {
        let entry;
        try {
          entry = JSON.parse(line);
        } catch {
          continue;
        }
        if (!quiet && (entry.level === 'error' || entry.level === 'warn')) console.error(`[${app}] ${line}`);
        if (entry.message === readyMessage) {
          clearTimeout(timer);
          resolve(child);
        }
      }
    });
    child.once('exit', (code) => reject(new Error(`${app} exited with ${code} before starting`)));
  });
  return started;
}

export function stopApp(child) {
  return new Promise((resolve) => {
    if (child.exitCode !== null) return resolve(child.exitCode);
    child.once('exit', (code) => resolve(code));
    child.kill('SIGTERM');
  });
}
