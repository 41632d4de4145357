import { afterAll, beforeAll, describe, expect, test } from '@jest/globals';
import request from 'supertest';
import { startApi, type TestApi } from './helpers.js';

let api: TestApi;

beforeAll(async () => {
  api = await startApi();
});

afterAll(async () => {
  await api.close();
});

/** The attribute values of every `<tag … name="…">` in an HTML text. */
const attributes = (html: string, tag: string, name: string) =>
  [...html.matchAll(new RegExp(`<${tag}\\b[^>]*\\b${name}="([^"]+)"`, 'g'))].map((m) => m[1] as string);

/** Every module the page loads, following each script's relative imports. */
async function allScripts(entry: string): Promise<Map<string, string>> {
  const found = new Map<string, string>();
  const queue = [entry];
  while (queue.length > 0) {
    const path = queue.shift() as string;
    if (found.has(path)) continue;
    const res = await request(api.app).get(path).expect(200);
    found.set(path, res.text);
    for (const [, spec] of res.text.matchAll(/(?:import|export)\s[^;]*?from\s*'([^']+)'/g)) {
      found.has(new URL(spec as string, `http://x${path}`).pathname) ||
        queue.push(new URL(spec as string, `http://x${path}`).pathname);
    }
  }
  return found;
}

describe('GET /dashboard', () => {
  test('serves the page without a key, under a CSP that allows only its own scripts and styles', async () => {
    const res = await request(api.app).get('/dashboard').expect(200);
    expect(res.headers['content-type']).toMatch(/^text\/html/);
    const csp = res.headers['content-security-policy'] as string;
    expect(csp.split('; ')).toEqual(
      expect.arrayContaining([
        "default-src 'none'",
        "script-src 'self'",
        "style-src 'self'",
        "connect-src 'self'",
        "frame-ancestors 'none'",
      ]),
    );
    expect(csp).not.toContain('unsafe-inline');
    expect(csp).not.toContain('unsafe-eval');
    expect(res.headers['x-content-type-options']).toBe('nosniff');
    expect(res.headers['x-frame-options']).toBe('DENY');
    expect(res.headers['cache-control']).toBe('no-cache');
  });

  test('has no inline script or style: only files under its versioned assets path', async () => {
    const { text } = await request(api.app).get('/dashboard').expect(200);
    const scripts = [...text.matchAll(/<script\b[^>]*>([\s\S]*?)<\/script>/g)];
    expect(scripts).toHaveLength(1);
    expect(scripts[0]?.[1]).toBe('');
    expect(text).not.toMatch(/\sstyle=|<style|\son\w+=/i);
    const urls = [...attributes(text, 'script', 'src'), ...attributes(text, 'link', 'href')];
    expect(urls).toHaveLength(3);
    for (const url of urls) expect(url).toMatch(/^\/dashboard\/assets\/[0-9a-f]{12}\/[\w/.-]+$/);
  });

  test('serves every script the page imports and its stylesheet from the API, cached for good', async () => {
    const { text } = await request(api.app).get('/dashboard').expect(200);
    const [entry] = attributes(text, 'script', 'src');
    const scripts = await allScripts(entry as string);
    expect(scripts.size).toBeGreaterThan(8);
    const [css] = attributes(text, 'link', 'href').filter((href) => href.endsWith('.css'));
    const res = await request(api.app)
      .get(css as string)
      .expect(200);
    expect(res.headers['content-type']).toMatch(/^text\/css/);
    expect(res.headers['cache-control']).toBe('public, max-age=31536000, immutable');
    const js = await request(api.app)
      .get(entry as string)
      .expect(200);
    expect(js.headers['content-type']).toMatch(/^text\/javascript/);
    await request(api.app)
      .get(entry as string)
      .set('If-None-Match', js.headers.etag as string)
      .expect(304);
  });

  test('no script reaches another host, writes localStorage, or builds HTML from strings', async () => {
    const { text } = await request(api.app).get('/dashboard').expect(200);
    const scripts = await allScripts(attributes(text, 'script', 'src')[0] as string);
    const offending = (pattern: RegExp) => [...scripts].filter(([, source]) => pattern.test(source)).map(([path]) => path);
    expect(offending(/localStorage|innerHTML|outerHTML|insertAdjacentHTML|document\.write|eval\(|new Function/)).toEqual([]);
    expect(offending(/fetch\(\s*['"`]https?:|import\(\s*['"`]https?:/)).toEqual([]);
    expect(offending(/sessionStorage/)).toEqual([expect.stringMatching(/\/session\.js$/)]);
  });

  test('an asset of another version, or one that does not exist, is a JSON 404; writing is a 405', async () => {
    const { text } = await request(api.app).get('/dashboard').expect(200);
    const [entry] = attributes(text, 'script', 'src');
    const stale = (entry as string).replace(/\/assets\/[0-9a-f]{12}\//, '/assets/000000000000/');
    const res = await request(api.app).get(stale).expect(404);
    expect(res.body.code).toBe('not_found');
    await request(api.app).get('/dashboard/assets/nope.js').expect(404);
    await request(api.app)
      .get((entry as string).replace('main.js', '../../../package.json'))
      .expect(404);
    const post = await request(api.app).post('/dashboard').expect(405);
    expect(post.body.code).toBe('method_not_allowed');
    await request(api.app)
      .delete(entry as string)
      .expect(405);
  });
});
