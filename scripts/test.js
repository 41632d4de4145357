/**
 * `npm test`: the whole suite (extra arguments go to Jest). On DATABASE_URL when it is set (CI
 * sets it); else on a throwaway embedded Postgres in a temporary folder, started for this run,
 * tuned for speed over durability (fsync off), stopped and deleted afterwards.
 */
// First: an older Node stops here with one line saying what is needed.
import './check-node.js';
import { spawn } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { EmbeddedPostgres } from './lib/embedded-postgres.js';

const root = fileURLToPath(new URL('..', import.meta.url));
const jest = fileURLToPath(new URL('../node_modules/jest/bin/jest.js', import.meta.url));

let embedded;
const env = { ...process.env };
if (!env.DATABASE_URL?.trim()) {
  const started = Date.now();
  embedded = new EmbeddedPostgres({
    root: mkdtempSync(join(tmpdir(), 'triggers-test-pg-')),
    settings: { fsync: 'off', synchronous_commit: 'off', full_page_writes: 'off', max_connections: '500' },
  });
  try {
    await embedded.start();
  } catch (error) {
    console.error(`The embedded Postgres for the tests did not start: ${error.message}`);
    await embedded.stop();
    embedded.destroy();
    process.exit(1);
  }
  env.DATABASE_URL = embedded.url('postgres');
  console.log(`Tests run on an embedded Postgres (127.0.0.1:${embedded.port}, started in ${Date.now() - started} ms)`);
}

const child = spawn(
  process.execPath,
  ['--experimental-vm-modules', '--no-warnings=ExperimentalWarning', jest, ...process.argv.slice(2)],
  { cwd: root, stdio: 'inherit', env },
);
// Ctrl-C reaches Jest from the terminal; we wait for it, then clean up.
for (const signal of ['SIGINT', 'SIGTERM']) process.on(signal, () => child.kill(signal));
child.on('exit', async (code, signal) => {
  if (embedded) {
    await embedded.stop();
    embedded.destroy();
  }
  process.exit(code ?? (signal ? 1 : 0));
});
