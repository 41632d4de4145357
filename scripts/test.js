// `npm test`: the whole suite, on DATABASE_URL when it is set.
import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('..', import.meta.url));

if (!process.env.DATABASE_URL) {
  console.error('DATABASE_URL is not set: set it to a Postgres server the tests may create databases on.');
  process.exit(1);
}

const jest = fileURLToPath(new URL('../node_modules/jest/bin/jest.js', import.meta.url));
const child = spawn(
  process.execPath,
  ['--experimental-vm-modules', '--no-warnings=ExperimentalWarning', jest, ...process.argv.slice(2)],
  {
    cwd: root,
    stdio: 'inherit',
    env: process.env,
  },
);
child.on('exit', (code, signal) => process.exit(code ?? (signal ? 1 : 0)));
