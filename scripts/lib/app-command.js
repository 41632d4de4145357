// How each app is started: the node arguments, read from `npm run start:<app>` in the root
// package.json, and the environment it needs, so npm start, the benchmarks and the Dockerfiles
// (whose CMD and ENV a test holds equal to these) start each app the same way.
import { readFileSync } from 'node:fs';

const scripts = JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8')).scripts;

/** `['--max-old-space-size=128', 'apps/api/dist/main.js']` for `node --max-old-space-size=128 apps/api/dist/main.js`. */
export function appNodeArgs(app) {
  const words = scripts[`start:${app}`]?.split(/\s+/) ?? [];
  if (words[0] !== 'node') throw new Error(`npm run start:${app} must start with node`);
  return words.slice(1);
}

/**
 * Environment each app needs beyond its config. The API hashes keys with argon2 (19 MiB a
 * verification, in libuv's threads): glibc then raises its mmap threshold and keeps each
 * thread's freed 19 MiB in that thread's malloc arena, about 75 MB of RSS held for nothing
 * (measured: peak RSS 209 MB without, 146 MB with, same throughput). A fixed threshold keeps
 * large blocks mmapped, so they go back to the system when freed. Dockerfile.api sets the same.
 */
export function appEnv(app) {
  return app === 'api' ? { MALLOC_MMAP_THRESHOLD_: '131072' } : {};
}
