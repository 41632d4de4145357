import { afterAll, beforeAll, describe, expect, test } from '@jest/globals';
import type express from 'express';
import request from 'supertest';
import { keyPrefix } from '../src/auth/api-key.js';
import { EXAMPLE } from '../src/docs/openapi.components.js';
import { buildOpenApiDocument } from '../src/docs/openapi.js';
import type { Method, Schema } from '../src/docs/openapi.types.js';
import { decodeCursor } from '../src/inbox/inbox.cursor.js';
import { signUp, startApi, type TestApi } from './helpers.js';

interface RouterLayer {
  route?: { path: string | string[]; methods: Record<string, boolean> };
  handle: { stack?: RouterLayer[] };
  rawPath?: string | string[];
  slash?: boolean;
}

/** Every `METHOD /path` the app has a route for, read from Express 5's router stack (nested routers included). */
function servedRoutes(app: express.Express): Set<string> {
  const found = new Set<string>();
  const walk = (stack: RouterLayer[], prefix: string) => {
    for (const layer of stack) {
      if (layer.route) {
        const paths = Array.isArray(layer.route.path) ? layer.route.path : [layer.route.path];
        for (const path of paths) {
          for (const [method, on] of Object.entries(layer.route.methods)) {
            if (on && method !== '_all') found.add(`${method.toUpperCase()} ${prefix}${path}`);
          }
        }
      } else if (layer.handle.stack) {
        const mount = layer.slash || typeof layer.rawPath !== 'string' ? '' : layer.rawPath;
        walk(layer.handle.stack, `${prefix}${mount}`);
      }
    }
  };
  walk((app as unknown as { router: { stack: RouterLayer[] } }).router.stack, '');
  return found;
}

function documentedRoutes(): Set<string> {
  const found = new Set<string>();
  for (const [path, item] of Object.entries(buildOpenApiDocument().paths)) {
    for (const method of Object.keys(item) as Method[]) {
      found.add(`${method.toUpperCase()} ${path.replace(/\{(\w+)\}/g, ':$1')}`);
    }
  }
  return found;
}

/** The value at a local `#/a/b` reference of the document. */
function resolve(document: unknown, ref: string): unknown {
  return ref
    .slice(2)
    .split('/')
    .reduce<unknown>((node, key) => (node as Record<string, unknown> | undefined)?.[key], document);
}

/**
 * The problems of `value` against a schema of the document: types, required properties, const,
 * enum, items, oneOf and allOf. Enough to tell a response that drifted from the document.
 */
function problems(document: unknown, schema: Schema, value: unknown, at = '$'): string[] {
  if (schema.$ref) return problems(document, resolve(document, schema.$ref) as Schema, value, at);
  if (schema.allOf) return schema.allOf.flatMap((part) => problems(document, part, value, at));
  if (schema.oneOf) {
    const fits = schema.oneOf.filter((option) => problems(document, option, value, at).length === 0).length;
    return fits === 1 ? [] : [`${at}: matches ${fits} of the oneOf options`];
  }
  const errors: string[] = [];
  const types = schema.type === undefined ? [] : Array.isArray(schema.type) ? schema.type : [schema.type];
  const typeOf = (v: unknown) =>
    v === null
      ? 'null'
      : Array.isArray(v)
        ? 'array'
        : Number.isInteger(v)
          ? 'integer'
          : typeof v === 'number'
            ? 'number'
            : typeof v;
  const actual = typeOf(value);
  if (types.length > 0 && !types.some((t) => t === actual || (t === 'number' && actual === 'integer'))) {
    return [`${at}: expected ${types.join('|')}, got ${actual}`];
  }
  if (schema.const !== undefined && value !== schema.const) errors.push(`${at}: expected ${String(schema.const)}`);
  if (schema.enum && !schema.enum.includes(value as string)) errors.push(`${at}: ${String(value)} not in enum`);
  if (actual === 'object') {
    const object = value as Record<string, unknown>;
    for (const key of schema.required ?? []) if (!(key in object)) errors.push(`${at}.${key}: missing`);
    for (const [key, property] of Object.entries(schema.properties ?? {})) {
      if (key in object) errors.push(...problems(document, property, object[key], `${at}.${key}`));
    }
  }
  if (actual === 'array' && schema.items) {
    (value as unknown[]).forEach((item, i) => {
      errors.push(...problems(document, schema.items as Schema, item, `${at}[${i}]`));
    });
  }
  return errors;
}

/** The JSON schema the document gives for one operation's response. */
function responseSchema(path: string, method: Method, status: number): Schema {
  const document = buildOpenApiDocument();
  let response = document.paths[path]?.[method]?.responses[String(status)] as Record<string, unknown> | undefined;
  if (response && '$ref' in response) response = resolve(document, response.$ref as string) as Record<string, unknown>;
  const content = response?.content as Record<string, { schema: Schema }> | undefined;
  const schema = content?.['application/json']?.schema;
  if (!schema) throw new Error(`no JSON response ${status} documented for ${method.toUpperCase()} ${path}`);
  return schema;
}

function expectMatches(path: string, method: Method, res: request.Response): void {
  expect(problems(buildOpenApiDocument(), responseSchema(path, method, res.status), res.body)).toEqual([]);
}

let api: TestApi;

beforeAll(async () => {
  api = await startApi();
});

afterAll(async () => {
  await api.close();
});

describe('the OpenAPI document', () => {
  test('documents every route the app serves, and the app serves every documented operation', () => {
    const served = servedRoutes(api.app);
    const documented = documentedRoutes();
    expect(served.size).toBeGreaterThan(10);
    expect([...served].filter((r) => !documented.has(r)).sort()).toEqual([]);
    expect([...documented].filter((r) => !served.has(r)).sort()).toEqual([]);
  });

  test('every $ref in the document points at something that exists', () => {
    const document = buildOpenApiDocument();
    const refs: string[] = [];
    JSON.stringify(document, (key, value) => {
      if (key === '$ref') refs.push(value as string);
      return value;
    });
    expect(refs.length).toBeGreaterThan(20);
    expect(refs.filter((ref) => resolve(document, ref) === undefined)).toEqual([]);
  });

  test('every operation has a unique operationId, a tag and at least one success response with an example', () => {
    const document = buildOpenApiDocument();
    const operations = Object.values(document.paths).flatMap((item) => Object.values(item));
    const ids = operations.map((op) => op.operationId);
    expect(new Set(ids).size).toBe(ids.length);
    for (const op of operations) {
      expect(op.tags.length).toBeGreaterThan(0);
      const success = Object.entries(op.responses).find(([status]) => status.startsWith('2'))?.[1] as
        | { content?: Record<string, { example?: unknown }> }
        | undefined;
      expect(success).toBeDefined();
      for (const [type, media] of Object.entries(success?.content ?? {})) {
        if (type !== 'application/json' || op.operationId !== 'openapi')
          expect([op.operationId, media.example]).not.toEqual([op.operationId, undefined]);
      }
    }
  });

  test('the examples of JSON responses match their own schemas', () => {
    const document = buildOpenApiDocument();
    const mismatches: string[] = [];
    for (const [path, item] of Object.entries(document.paths)) {
      for (const [method, op] of Object.entries(item)) {
        for (const [status, response] of Object.entries(op.responses)) {
          const resolved = ('$ref' in response ? resolve(document, response.$ref as string) : response) as {
            content?: Record<string, { schema: Schema; example?: unknown; examples?: Record<string, { value: unknown }> }>;
          };
          const media = resolved.content?.['application/json'];
          if (!media) continue;
          const examples = [media.example, ...Object.values(media.examples ?? {}).map((e) => e.value)].filter(
            (e) => e !== undefined,
          );
          for (const example of examples) {
            for (const problem of problems(document, media.schema, example))
              mismatches.push(`${method} ${path} ${status} ${problem}`);
          }
        }
      }
    }
    expect(mismatches).toEqual([]);
  });

  test('the example key prefix and cursor are ones the API would really give', () => {
    expect(EXAMPLE.keyPrefix).toBe(keyPrefix(EXAMPLE.apiKey));
    const inbox = buildOpenApiDocument().paths['/api/inbox']?.get?.responses['200'] as unknown as {
      content: { 'application/json': { example: { next_cursor: string } } };
    };
    const cursor = inbox.content['application/json'].example.next_cursor;
    expect(decodeCursor(cursor)).toEqual({ createdAt: new Date(EXAMPLE.time), id: EXAMPLE.eventId });
  });

  test('GET /openapi.json serves the document as JSON without a key', async () => {
    const res = await request(api.app).get('/openapi.json').expect(200);
    expect(res.headers['content-type']).toMatch(/^application\/json/);
    expect(res.headers['x-request-id']).toBeTruthy();
    expect(res.body.openapi).toBe('3.1.0');
    expect(res.body).toEqual(JSON.parse(JSON.stringify(buildOpenApiDocument())));
  });

  test('GET /docs renders the document with Swagger UI files served by the API itself, no CDN', async () => {
    const res = await request(api.app).get('/docs').expect(200);
    expect(res.headers['content-type']).toMatch(/^text\/html/);
    expect(res.text).toContain("url: '/openapi.json'");
    const assets = [...res.text.matchAll(/(?:src|href)="([^"]+)"/g)].map((m) => m[1] as string);
    expect(assets.sort()).toEqual(['/docs/assets/swagger-ui-bundle.js', '/docs/assets/swagger-ui.css']);
    const script = await request(api.app).get('/docs/assets/swagger-ui-bundle.js').expect(200);
    expect(script.headers['content-type']).toMatch(/javascript/);
    expect(Number(script.headers['content-length'])).toBeGreaterThan(100_000);
    await request(api.app)
      .get('/docs/assets/swagger-ui.css')
      .expect(200)
      .expect('Content-Type', /text\/css/);
    await request(api.app).get('/docs/assets/nope.js').expect(404);
  });
});

describe('real responses match the document', () => {
  test('sign-up, the organization, webhook config and key rotation', async () => {
    const signup = await request(api.app).post('/api/keys/generate').send({ organization_name: 'Docs', tier: 'pro' });
    expectMatches('/api/keys/generate', 'post', signup);
    const key = signup.body.api_key as string;
    expectMatches('/api/keys', 'get', await request(api.app).get('/api/keys').set('X-API-Key', key));
    const config = await request(api.app)
      .post('/api/webhook/config')
      .set('X-API-Key', key)
      .send({ webhook_url: 'https://example.com/hook' });
    expectMatches('/api/webhook/config', 'post', config);
    expectMatches('/api/webhook/config', 'get', await request(api.app).get('/api/webhook/config').set('X-API-Key', key));
    expectMatches(
      '/api/webhook/secret/rotate',
      'post',
      await request(api.app).post('/api/webhook/secret/rotate').set('X-API-Key', key),
    );
    expectMatches('/api/keys/rotate', 'post', await request(api.app).post('/api/keys/rotate').set('X-API-Key', key));
  });

  test('events, the inbox, acks and the errors they give', async () => {
    const org = await signUp(api.app);
    const send = (path: string) => request(api.app).post(path).set('X-API-Key', org.key);
    const created = await send('/api/events').send({ type: 'order.created', payload: { n: 1 }, dedup_id: 'd-1' });
    expect(created.status).toBe(201);
    expectMatches('/api/events', 'post', created);
    expectMatches(
      '/api/events',
      'post',
      await send('/api/events').send({ type: 'order.created', payload: { n: 1 }, dedup_id: 'd-1' }),
    );
    expectMatches('/api/events', 'post', await send('/api/events').send({ payload: [] }));
    expectMatches('/api/events', 'post', await send('/api/events').set('Content-Type', 'application/json').send('{nope'));
    const batch = await send('/api/events/batch').send({ events: [{ type: 'a', payload: {} }, { type: '' }] });
    expectMatches('/api/events/batch', 'post', batch);
    const id = created.body.id as string;
    expectMatches('/api/events/{id}', 'get', await request(api.app).get(`/api/events/${id}`).set('X-API-Key', org.key));
    expectMatches('/api/events/{id}', 'get', await request(api.app).get('/api/events/nope').set('X-API-Key', org.key));
    expectMatches('/api/events/{id}/redeliver', 'post', await send(`/api/events/${id}/redeliver`));
    expectMatches('/api/inbox', 'get', await request(api.app).get('/api/inbox?limit=1').set('X-API-Key', org.key));
    expectMatches('/api/inbox', 'get', await request(api.app).get('/api/inbox?limit=0').set('X-API-Key', org.key));
    expectMatches('/api/ack/{event_id}', 'post', await send(`/api/ack/${id}`));
    expectMatches('/api/ack', 'post', await send('/api/ack').send({ event_ids: [id, 'x'] }));
    expectMatches('/api/keys', 'get', await request(api.app).get('/api/keys'));
    expectMatches('/api/keys', 'get', await request(api.app).get('/api/keys').set('X-API-Key', 'zap_live_wrong'));
  });

  test('leases, their extension and the errors they give', async () => {
    const org = await signUp(api.app);
    const send = (path: string) => request(api.app).post(path).set('X-API-Key', org.key);
    await send('/api/events').send({ type: 'order.created', payload: { n: 1 } });
    const lease = await send('/api/inbox/lease').send({ limit: 10, visibility_seconds: 60 });
    expect(lease.body.events).toHaveLength(1);
    expectMatches('/api/inbox/lease', 'post', lease);
    expectMatches('/api/inbox/lease', 'post', await send('/api/inbox/lease').send({ limit: 0 }));
    const extended = await send(`/api/inbox/lease/${lease.body.lease_id}/extend`).send({ visibility_seconds: 60 });
    expect(extended.status).toBe(200);
    expectMatches('/api/inbox/lease/{lease_id}/extend', 'post', extended);
    expectMatches('/api/inbox/lease/{lease_id}/extend', 'post', await send('/api/inbox/lease/nope/extend').send({}));
    expectMatches('/api/inbox', 'get', await request(api.app).get('/api/inbox?type=order.*').set('X-API-Key', org.key));
  });

  test('the statistics of an organization and their errors', async () => {
    const org = await signUp(api.app);
    await request(api.app).post('/api/events').set('X-API-Key', org.key).send({ type: 'a', payload: {} }).expect(201);
    expectMatches('/api/stats', 'get', await request(api.app).get('/api/stats?window=6h').set('X-API-Key', org.key));
    expectMatches('/api/stats', 'get', await request(api.app).get('/api/stats?window=1y').set('X-API-Key', org.key));
    const dryRun = await request(api.app)
      .post('/api/events/replay')
      .set('X-API-Key', org.key)
      .send({ from: '2026-01-01T00:00:00Z', to: '2100-01-01T00:00:00Z', dry_run: true });
    expect(dryRun.status).toBe(200);
    expectMatches('/api/events/replay', 'post', dryRun);
  });

  test('health and liveness', async () => {
    expectMatches('/health', 'get', await request(api.app).get('/health'));
    expectMatches('/health/live', 'get', await request(api.app).get('/health/live'));
  });
});
