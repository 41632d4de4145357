/**
 * `npm start`: the API and the worker together, on DATABASE_URL when it is set, else on an
 * embedded Postgres kept under `.data/postgres` (found again by the next start; as root, when the
 * `postgres` user cannot enter this folder, its cluster is kept under
 * /var/tmp/triggers-api-postgres/ instead: see scripts/lib/embedded-postgres.js). Migrates once,
 * starts both apps, prints where to reach them; Ctrl-C (or SIGTERM) stops the apps, waits for
 * their graceful shutdown, then stops the embedded Postgres.
 */
// First: an older Node stops here with one line saying what is needed.
import './check-node.js';
import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { loadConfigOrExit } from '@triggers/runtime';
import { appEnv, appNodeArgs } from './lib/app-command.js';
import { EmbeddedPostgres } from './lib/embedded-postgres.js';
import { migrate } from './lib/migrate.js';

const root = fileURLToPath(new URL('..', import.meta.url));
const APPS = [
  { name: 'api', entry: 'apps/api/dist/main.js', args: appNodeArgs('api'), env: appEnv('api') },
  { name: 'worker', entry: 'apps/worker/dist/main.js', args: appNodeArgs('worker'), env: appEnv('worker') },
];
const DATABASE = 'triggers';

const say = (line) => process.stdout.write(`[start] ${line}\n`);

for (const app of APPS) {
  if (!existsSync(`${root}${app.entry}`)) {
    console.error(`[start] ${app.entry} is missing: run npm run build (npm start does)`);
    process.exit(1);
  }
}

let embedded;
let databaseUrl = process.env.DATABASE_URL?.trim();
if (databaseUrl) {
  say('using the database in DATABASE_URL');
} else {
  embedded = new EmbeddedPostgres({ root: `${root}.data/postgres`, log: (line) => say(line) });
  try {
    await embedded.start();
    await embedded.createDatabase(DATABASE);
  } catch (error) {
    console.error(`[start] the embedded Postgres did not start: ${error.message}`);
    await embedded.stop();
    process.exit(1);
  }
  databaseUrl = embedded.url(DATABASE);
}

const env = { ...process.env, DATABASE_URL: databaseUrl };
// Checks every setting now, with the one-line message the apps would give.
const config = loadConfigOrExit(env);

if (config.migrateOnStart) {
  try {
    await migrate(config, (line) => say(`migrate: ${line}`));
  } catch (error) {
    console.error(`[start] migration failed: ${error.message}`);
    await embedded?.stop();
    process.exit(1);
  }
}

const children = APPS.map((app) => {
  const child = spawn(process.execPath, app.args, { cwd: root, env: { ...env, ...app.env }, stdio: 'inherit' });
  const exited = new Promise((resolve) => child.once('exit', (code, signal) => resolve({ app: app.name, code, signal })));
  return { ...app, child, exited };
});

let stopping = false;
let exitCode = 0;

/** Stops the apps (each has 30 s to drain), then the embedded Postgres, then exits. */
async function shutdown(signal, reason) {
  if (stopping) {
    say('forcing the apps to stop');
    for (const { child } of children) if (child.exitCode === null) child.kill('SIGKILL');
    return;
  }
  stopping = true;
  say(`${reason}: stopping the API and the worker (Ctrl-C again to force)`);
  for (const { child } of children) if (child.exitCode === null && child.signalCode === null) child.kill(signal);
  const results = await Promise.all(children.map((c) => c.exited));
  for (const { app, code, signal: killedBy } of results) {
    if (code !== 0) {
      exitCode = 1;
      say(`${app} exited with ${code ?? killedBy}`);
    }
  }
  if (embedded) {
    say('stopping the embedded Postgres');
    await embedded.stop();
  }
  say('stopped');
  process.exit(exitCode);
}

for (const signal of ['SIGINT', 'SIGTERM']) process.on(signal, () => shutdown(signal, `got ${signal}`));
for (const { name, exited } of children) {
  exited.then(({ code, signal }) => {
    if (stopping) return;
    exitCode = 1;
    shutdown('SIGTERM', `the ${name} exited unexpectedly (${code ?? signal})`);
  });
}

await announce();

/** Waits for the API to answer, then prints where it is and a first request to try. */
async function announce() {
  const host = config.host === '0.0.0.0' || config.host === '::' ? 'localhost' : config.host;
  const base = `http://${host}:${config.port}`;
  const deadline = Date.now() + 60_000;
  while (!stopping) {
    try {
      const res = await fetch(`${base}/health/live`);
      if (res.ok) break;
    } catch {
      // not listening yet
    }
    if (Date.now() > deadline) {
      say(`the API does not answer on ${base} yet; see its log above`);
      return;
    }
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
  if (stopping) return;
  const where = embedded ? `embedded Postgres on 127.0.0.1:${embedded.port}, data in ${embedded.dataDir}` : 'DATABASE_URL';
  process.stdout.write(
    [
      '',
      `Triggers API is running at ${base}`,
      `  dashboard:       ${base}/dashboard  (sign in with an API key)`,
      `  API docs:        ${base}/docs  (OpenAPI: ${base}/openapi.json)`,
      `  worker metrics:  http://localhost:${config.workerMetricsPort}/metrics`,
      `  database:        ${where}`,
      '',
      'Create an organization and its API key:',
      `  curl -s -X POST ${base}/api/keys/generate -H 'Content-Type: application/json' -d '{"organization_name":"Acme"}'`,
      'then send an event with it:',
      `  curl -s -X POST ${base}/api/events -H "X-API-Key: $KEY" -H 'Content-Type: application/json' -d '{"type":"order.created","payload":{"id":1}}'`,
      '',
      'Press Ctrl-C to stop.',
      '',
    ].join('\n'),
  );
}
