// Writes src/generated/openapi.ts from the OpenAPI document the API serves. Builds the API first
// (tsc -b apps/api) and reads the document from its compiled module: the client does not depend
// on the API at run time, only this development step does.
import { execFileSync } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { GENERATED_FILE, renderTypes } from './render-types.js';

const root = fileURLToPath(new URL('../../..', import.meta.url));
// The workspace's TypeScript (the root one), not the TypeScript 5 that openapi-typescript needs beside it.
const tsc = fileURLToPath(new URL('../../../node_modules/typescript/bin/tsc', import.meta.url));
execFileSync(process.execPath, [tsc, '-b', 'apps/api'], { cwd: root, stdio: 'inherit' });
const { buildOpenApiDocument } = await import(new URL('../../../apps/api/dist/docs/openapi.js', import.meta.url).href);

const text = await renderTypes(buildOpenApiDocument());
const before = (() => {
  try {
    return readFileSync(GENERATED_FILE, 'utf8');
  } catch {
    return '';
  }
})();
if (text === before) {
  console.log(`${fileURLToPath(GENERATED_FILE)} is up to date`);
} else {
  writeFileSync(GENERATED_FILE, text);
  console.log(`wrote ${fileURLToPath(GENERATED_FILE)}`);
}
