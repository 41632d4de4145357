// The node arguments each app runs with, read from `npm run start:<app>` in the root
// package.json, so npm start, the benchmarks and the Dockerfiles (whose CMD a test holds equal
// to the script) start each app the same way.
import { readFileSync } from 'node:fs';

const scripts = JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8')).scripts;

/** `['--max-old-space-size=128', 'apps/api/dist/main.js']` for `node --max-old-space-size=128 apps/api/dist/main.js`. */
export function appNodeArgs(app) {
  const words = scripts[`start:${app}`]?.split(/\s+/) ?? [];
  if (words[0] !== 'node') throw new Error(`npm run start:${app} must start with node`);
  return words.slice(1);
}
