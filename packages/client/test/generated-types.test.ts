import { readFileSync } from 'node:fs';
import { describe, expect, test } from '@jest/globals';
import { buildOpenApiDocument } from '../../../apps/api/src/docs/openapi.js';
import { GENERATED_FILE, renderTypes } from '../scripts/render-types.js';
import { CLIENT_VERSION } from '../src/index.js';

describe('the generated API types', () => {
  test('match the OpenAPI document the API serves (else: npm run generate -w @triggers/client)', async () => {
    const committed = readFileSync(GENERATED_FILE, 'utf8');
    const fresh = await renderTypes(buildOpenApiDocument());
    expect(committed).toBe(fresh);
  });

  test("the client's version is its package.json's", () => {
    const pkg = JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8')) as { version: string };
    expect(CLIENT_VERSION).toBe(pkg.version);
  });
});
