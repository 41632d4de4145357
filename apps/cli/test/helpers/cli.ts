import { type ChildProcess, spawn } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

export const CLI_MAIN = fileURLToPath(new URL('../../dist/main.js', import.meta.url));

export interface CliRun {
  code: number | null;
  stdout: string;
  stderr: string;
}

/** A profile-file path in a fresh temporary folder (the file itself does not exist yet). */
export function tempProfilePath(): string {
  return join(mkdtempSync(join(tmpdir(), 'triggers-cli-')), 'config.json');
}

export interface RunningCli {
  child: ChildProcess;
  stdout: () => string;
  stderr: () => string;
  /** Resolves once stdout holds `count` lines. */
  lines(count: number, timeoutMs?: number): Promise<string[]>;
  done: Promise<CliRun>;
}

/** `node apps/cli/dist/main.js <args>` (built by npm test) as its own process, with exactly `env` (plus PATH). */
export function startCli(args: string[], env: Record<string, string>): RunningCli {
  const child = spawn(process.execPath, [CLI_MAIN, ...args], {
    env: { PATH: process.env.PATH, ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stdout = '';
  let stderr = '';
  const waiters: (() => void)[] = [];
  child.stdout?.on('data', (chunk: Buffer) => {
    stdout += chunk.toString('utf8');
    for (const w of waiters) w();
  });
  child.stderr?.on('data', (chunk: Buffer) => {
    stderr += chunk.toString('utf8');
  });
  const done = new Promise<CliRun>((resolve) => child.on('exit', (code) => resolve({ code, stdout, stderr })));
  const lines = () => stdout.split('\n').filter((l) => l !== '');
  return {
    child,
    stdout: () => stdout,
    stderr: () => stderr,
    done,
    lines: (count, timeoutMs = 20_000) =>
      new Promise((resolve, reject) => {
        const check = () => {
          if (lines().length >= count) {
            clearTimeout(timer);
            resolve(lines());
          }
        };
        const timer = setTimeout(
          () => reject(new Error(`got ${lines().length} of ${count} lines: ${stdout} ${stderr}`)),
          timeoutMs,
        );
        waiters.push(check);
        check();
      }),
  };
}

/** Runs the CLI to its end. */
export function cli(args: string[], env: Record<string, string>): Promise<CliRun> {
  return startCli(args, env).done;
}
