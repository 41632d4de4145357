import { createHash } from 'node:crypto';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, extname, join, relative, sep } from 'node:path';

/** The dashboard package: its compiled scripts in `dist/`, its stylesheet in `static/`. */
const PACKAGE_DIR = dirname(createRequire(import.meta.url).resolve('@triggers/dashboard/package.json'));

const TYPES: Record<string, string> = {
  '.js': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.svg': 'image/svg+xml',
};

export interface Asset {
  body: Buffer;
  type: string;
  etag: string;
}

export interface DashboardAssets {
  /** A hash of every file: asset URLs carry it, so a browser may cache them for good. */
  version: string;
  files: Map<string, Asset>;
}

function walk(dir: string, into: string[] = []): string[] {
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) walk(path, into);
    else if (TYPES[extname(entry.name)]) into.push(path);
  }
  return into;
}

/**
 * Reads the dashboard's files once (a few dozen kilobytes). Undefined when the package has not
 * been built (`npm run build` compiles it with everything else).
 */
export function loadDashboardAssets(dir: string = PACKAGE_DIR): DashboardAssets | undefined {
  if (!existsSync(join(dir, 'dist', 'main.js'))) return undefined;
  const files = new Map<string, Asset>();
  const all = createHash('sha256');
  for (const root of [join(dir, 'dist'), join(dir, 'static')]) {
    if (!existsSync(root)) continue;
    for (const path of walk(root).sort()) {
      const name = relative(root, path).split(sep).join('/');
      const body = readFileSync(path);
      const hash = createHash('sha256').update(body).digest('base64url').slice(0, 16);
      all.update(name).update(hash);
      files.set(name, { body, type: TYPES[extname(path)] as string, etag: `"${hash}"` });
    }
  }
  return { version: all.digest('hex').slice(0, 12), files };
}
