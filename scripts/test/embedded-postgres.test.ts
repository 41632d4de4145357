import { execFileSync } from 'node:child_process';
import {
  chmodSync,
  chownSync,
  existsSync,
  lstatSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  rmSync,
  statSync,
  symlinkSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { afterAll, beforeAll, describe, expect, test } from '@jest/globals';
import pg from 'pg';
import { EmbeddedPostgres, platformBinaries } from '../lib/embedded-postgres.js';

// `npm start` and `npm test` from a clone in a folder only its owner may enter (root's home and
// every `mktemp -d` are mode 700). As root the server runs as the `postgres` user, which cannot
// enter such a folder: binaries and data must be kept where it can.
const asRoot = process.getuid?.() === 0;
const rootOnly = asRoot ? test : test.skip;

let scratch: string;
let serverFilesParent: string;
beforeAll(() => {
  scratch = mkdtempSync(join(tmpdir(), 'triggers-private-'));
  serverFilesParent = mkdtempSync(join(tmpdir(), 'triggers-server-files-'));
  chmodSync(serverFilesParent, 0o755);
});
afterAll(() => {
  rmSync(scratch, { recursive: true, force: true });
  rmSync(serverFilesParent, { recursive: true, force: true });
});

async function query<T extends pg.QueryResultRow>(server: EmbeddedPostgres, text: string): Promise<T[]> {
  const client = new pg.Client({ connectionString: server.url() });
  await client.connect();
  try {
    return (await client.query<T>(text)).rows;
  } finally {
    await client.end();
  }
}

const postgresUid = () => Number(execFileSync('id', ['-u', 'postgres'], { encoding: 'utf8' }));

describe('the embedded Postgres in a mode-700 folder', () => {
  test('starts from there (its binaries there too), serves connections and keeps its data across restarts', async () => {
    expect(statSync(scratch).mode & 0o777).toBe(0o700);
    // The binaries as a private clone has them: under the closed folder.
    const native = dirname(dirname((await platformBinaries()).postgres));
    symlinkSync(native, join(scratch, 'native'));
    const binaries = { initdb: join(scratch, 'native/bin/initdb'), postgres: join(scratch, 'native/bin/postgres') };
    const serverFiles = join(serverFilesParent, 'files');
    const root = join(scratch, 'repo/.data/postgres');

    const first = new EmbeddedPostgres({ root, serverFiles, binaries });
    await first.start();
    try {
      await query(first, 'CREATE TABLE kept (n int); INSERT INTO kept VALUES (42)');
    } finally {
      await first.stop();
    }

    const second = new EmbeddedPostgres({ root, serverFiles, binaries });
    await second.start();
    try {
      expect(second.dataDir).toBe(first.dataDir);
      expect(await query(second, 'SELECT n FROM kept')).toEqual([{ n: 42 }]);
      if (asRoot) {
        // The cluster is the postgres user's alone, outside the closed folder; the copy of the
        // binaries is root's, readable and runnable by all, writable by none but root.
        expect(second.dataDir.startsWith(`${serverFiles}/`)).toBe(true);
        const own = statSync(dirname(second.dataDir));
        expect({ uid: own.uid, mode: own.mode & 0o777 }).toEqual({ uid: postgresUid(), mode: 0o700 });
        expect(statSync(join(second.dataDir, 'postmaster.pid')).uid).toBe(postgresUid());
        const base = statSync(serverFiles);
        expect({ uid: base.uid, mode: base.mode & 0o777 }).toEqual({ uid: 0, mode: 0o711 });
        const [bin] = readdirSync(serverFiles).filter((name) => name.startsWith('bin-'));
        const copied = lstatSync(join(serverFiles, bin as string, 'bin/postgres'));
        expect({ file: copied.isFile(), uid: copied.uid, mode: copied.mode & 0o777 }).toEqual({
          file: true,
          uid: 0,
          mode: 0o755,
        });
        // Root's own files (the password, the log) stay in root's closed folder.
        expect(statSync(root).mode & 0o777).toBe(0o700);
        expect(statSync(join(root, 'postgres.json')).mode & 0o777).toBe(0o600);
      } else {
        expect(second.dataDir).toBe(join(root, 'data'));
      }
    } finally {
      await second.stop();
      second.destroy();
    }
    expect(existsSync(second.dataDir)).toBe(false);
    expect(existsSync(root)).toBe(false);
  });

  rootOnly.each([
    ['a link', (path: string) => symlinkSync(serverFilesParent, path)],
    [
      "another user's folder",
      (path: string) => {
        mkdirSync(path, { mode: 0o711 });
        chownSync(path, postgresUid(), 0);
      },
    ],
  ])('as root, refuses to keep the cluster in a server-files folder that is %s', async (what, plant) => {
    const serverFiles = join(serverFilesParent, `planted-${what.length}`);
    plant(serverFiles);
    const server = new EmbeddedPostgres({ root: join(scratch, `refused-${what.length}`), serverFiles });
    await expect(server.start()).rejects.toThrow(`${serverFiles} is not a folder of root's`);
    await server.stop();
  });
});
