import { type ChildProcess, spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';

export type LogLine = Record<string, unknown>;

export interface AppProcess {
  child: ChildProcess;
  /** Every line the process wrote to stdout, parsed as JSON where it was JSON (else `{ raw }`); stderr as `{ stderr }`. */
  logs: LogLine[];
  /** All it wrote, stdout and stderr, as text. */
  output(): string;
  /** Resolves with the exit code (or signal) once the process has ended. */
  exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
  /** The first log line (already written or still to come) that matches; rejects if the process ends first or after `timeoutMs`. */
  waitFor(match: (line: LogLine) => boolean, timeoutMs?: number): Promise<LogLine>;
  kill(signal: NodeJS.Signals): void;
}

/**
 * `node <nodeArgs> --import <dir>/tracing.js <entry>` (a compiled app's main.js and its tracing
 * preload beside it, built by `npm test`, as `npm run start:<app>` runs them) with exactly `env`,
 * its JSON log lines collected: the one way the tests start a real API or worker process and
 * wait for its ready line.
 */
export function spawnApp(entry: string, env: NodeJS.ProcessEnv, nodeArgs: string[] = []): AppProcess {
  if (!existsSync(entry)) throw new Error(`${entry} is missing: run npx tsc -b (npm test does)`);
  const preload = join(dirname(entry), 'tracing.js');
  const args = [...nodeArgs, ...(existsSync(preload) ? ['--import', preload] : []), entry];
  const child = spawn(process.execPath, args, { env, stdio: ['ignore', 'pipe', 'pipe'] });
  const logs: LogLine[] = [];
  const waiters = new Set<() => void>();
  let text = '';
  let buffer = '';
  child.stdout?.on('data', (chunk: Buffer) => {
    text += chunk;
    buffer += chunk.toString('utf8');
    const lines = buffer.split('\n');
    buffer = lines.pop() ?? '';
    for (const line of lines) {
      try {
        logs.push(JSON.parse(line));
      } catch {
        logs.push({ raw: line });
      }
    }
    for (const check of waiters) check();
  });
  child.stderr?.on('data', (chunk: Buffer) => {
    text += chunk;
    logs.push({ stderr: chunk.toString('utf8') });
  });
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) => {
    child.on('exit', (code, signal) => resolve({ code, signal }));
  });

  const waitFor = (match: (line: LogLine) => boolean, timeoutMs = 20_000) =>
    new Promise<LogLine>((resolve, reject) => {
      let timer: NodeJS.Timeout | undefined;
      const done = () => {
        waiters.delete(check);
        clearTimeout(timer);
      };
      const check = () => {
        const found = logs.find(match);
        if (found) {
          done();
          resolve(found);
        }
      };
      timer = setTimeout(() => {
        done();
        reject(new Error(`no such log line within ${timeoutMs} ms: ${text}`));
      }, timeoutMs);
      waiters.add(check);
      check();
      exited.then(({ code, signal }) => {
        if (!waiters.has(check)) return;
        done();
        reject(new Error(`${entry} exited (${code ?? signal}) before that log line: ${text}`));
      });
    });

  return { child, logs, output: () => text, exited, waitFor, kill: (signal) => child.kill(signal) };
}
