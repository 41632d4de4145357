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
  /** Resolves once stderr matches `pattern`. */
  stderrMatches(pattern: RegExp, timeoutMs?: number): Promise<void>;
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
    for (const w of waiters) w();
  });
  const done = new Promise<CliRun>((resolve) => child.on('exit', (code) => resolve({ code, stdout, stderr })));
  const lines = () => stdout.split('\n').filter((l) => l !== '');
  /** Resolves once `condition` holds (checked on each output chunk); rejects after `timeoutMs`. */
  const until = (condition: () => boolean, what: string, timeoutMs: number) =>
    new Promise<void>((resolve, reject) => {
      const check = () => {
        if (!condition()) return;
        clearTimeout(timer);
        resolve();
      };
      const timer = setTimeout(() => reject(new Error(`${what} did not come: ${stdout} ${stderr}`)), timeoutMs);
      waiters.push(check);
      check();
    });
  return {
    child,
    stdout: () => stdout,
    stderr: () => stderr,
    done,
    lines: async (count, timeoutMs = 20_000) => {
      await until(() => lines().length >= count, `${count} lines`, timeoutMs);
      return lines();
    },
    stderrMatches: (pattern, timeoutMs = 20_000) => until(() => pattern.test(stderr), `stderr matching ${pattern}`, timeoutMs),
  };
}

/** Runs the CLI to its end. */
export function cli(args: string[], env: Record<string, string>): Promise<CliRun> {
  return startCli(args, env).done;
}
