import { type ChildProcess, spawn } from 'node:child_process';
import { accessSync, chmodSync, constants, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import net from 'node:net';
import { tmpdir } from 'node:os';
import { delimiter, join } from 'node:path';

/** The pgbouncer binary on PATH or where Debian's package puts it (/usr/sbin), or undefined. */
export function findPgBouncer(): string | undefined {
  const dirs = [...(process.env.PATH ?? '').split(delimiter), '/usr/sbin', '/usr/local/sbin', '/usr/bin'];
  for (const dir of dirs.filter(Boolean)) {
    const candidate = join(dir, 'pgbouncer');
    try {
      accessSync(candidate, constants.X_OK);
      return candidate;
    } catch {}
  }
  return undefined;
}

/** What docs/operations.md tells operators to put in `ignore_startup_parameters`. */
export const IGNORED_STARTUP_PARAMETERS = ['statement_timeout', 'lock_timeout', 'idle_in_transaction_session_timeout'];

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = net.createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as net.AddressInfo;
      server.close(() => resolve(port));
    });
  });
}

export interface PgBouncer {
  /** `url` with its host and port replaced by the pooler's. */
  pooled(url: string): string;
  /** Everything pgbouncer wrote (its log goes to stderr). */
  output(): string;
  stop(): Promise<void>;
}

/**
 * A pgbouncer process of its own on a free 127.0.0.1 port, in transaction pooling mode, in front of
 * the server of `serverUrl` (every database, logging in as that URL's user), with a generated
 * config in a temporary folder that stop() deletes. Clients may log in as anyone (auth_type any).
 * Server connections are reset after every transaction, so session state never leaks through.
 */
export async function startPgBouncer(binary: string, serverUrl: string): Promise<PgBouncer> {
  const server = new URL(serverUrl);
  const port = await freePort();
  const dir = mkdtempSync(join(tmpdir(), 'triggers-pgbouncer-'));
  const login = [
    `host=${server.hostname}`,
    `port=${server.port || '5432'}`,
    `user=${decodeURIComponent(server.username || 'postgres')}`,
    ...(server.password ? [`password=${decodeURIComponent(server.password)}`] : []),
  ].join(' ');
  const config = join(dir, 'pgbouncer.ini');
  writeFileSync(
    config,
    [
      '[databases]',
      `* = ${login}`,
      '[pgbouncer]',
      'listen_addr = 127.0.0.1',
      `listen_port = ${port}`,
      'unix_socket_dir =',
      'auth_type = any',
      'pool_mode = transaction',
      // Nothing a session sets survives its transaction (DISCARD ALL after each one, UNLISTEN
      // included), so whatever relies on session state fails every time, not only when the pooler
      // happens to hand the next transaction another server connection.
      'server_reset_query = DISCARD ALL',
      'server_reset_query_always = 1',
      // The API sends its session limits (DATABASE_STATEMENT_TIMEOUT_MS...) as startup parameters,
      // which PgBouncer refuses unless told to ignore them, and then they do not apply: an
      // operator sets them on the server instead (docs/operations.md, Connections).
      `ignore_startup_parameters = ${IGNORED_STARTUP_PARAMETERS.join(', ')}`,
      'max_client_conn = 500',
      'default_pool_size = 20',
      '',
    ].join('\n'),
  );
  // pgbouncer refuses to run as root; as root it is told to switch to nobody, who must read the config.
  const asRoot = process.getuid?.() === 0;
  if (asRoot) {
    chmodSync(dir, 0o755);
    chmodSync(config, 0o644);
  }
  const child: ChildProcess = spawn(binary, [...(asRoot ? ['-u', 'nobody'] : []), config], {
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  child.stdout?.on('data', (d) => {
    output += d;
  });
  child.stderr?.on('data', (d) => {
    output += d;
  });
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  const stop = async () => {
    if (child.exitCode === null && child.signalCode === null) {
      child.kill('SIGTERM');
      await exited;
    }
    rmSync(dir, { recursive: true, force: true });
  };
  const deadline = Date.now() + 10_000;
  while (!/listening on 127\.0\.0\.1:\d+/.test(output)) {
    if (child.exitCode !== null || Date.now() > deadline) {
      await stop();
      throw new Error(`pgbouncer did not start: ${output}`);
    }
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  return {
    pooled(url: string) {
      const u = new URL(url);
      u.hostname = '127.0.0.1';
      u.port = String(port);
      return u.toString();
    },
    output: () => output,
    stop,
  };
}
