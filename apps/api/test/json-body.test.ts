import { gzipSync } from 'node:zlib';
import { afterAll, beforeAll, describe, expect, test } from '@jest/globals';
import request from 'supertest';
import { scanJson } from '../src/http/json-scan.js';
import { OTHER_BODY } from '../src/memory/limits.js';
import { signUp, startApi, type TestApi, type TestOrg } from './helpers.js';

const scan = (text: string, maxValues?: number) => scanJson(Buffer.from(text), maxValues);

describe('scanJson', () => {
  test.each([
    ['{}', 1, 1],
    ['[]', 1, 1],
    ['"a"', 1, 0],
    ['12.5e3', 1, 0],
    ['[true,false,null]', 4, 1],
    ['{"a":1,"b":[2,{"c":null}]}', 9, 3],
    [' { "a" : [ 1 , 2 ] } ', 5, 2],
  ])('counts the values (keys, containers and scalars) and the nesting of %s', (text, values, depth) => {
    expect(scan(text)).toEqual({ values, depth });
  });

  test('skips brackets, commas and escaped quotes inside strings', () => {
    expect(scan('{"a\\"[{":"]}\\\\","b":"\\\\\\"{"}')).toEqual({ values: 5, depth: 1 });
  });

  test('counts a million empty objects in 3 MB, and stops counting past the most asked for', () => {
    const body = `[${'{},'.repeat(999_999)}{}]`;
    expect(scan(body)).toEqual({ values: 1_000_001, depth: 2 });
    expect(scan(body, 10).values).toBe(11);
  });

  test('never throws on text that is not JSON', () => {
    expect(scan('}}]]"unterminated')).toEqual({ values: 1, depth: 0 });
  });
});

describe('JSON bodies', () => {
  let api: TestApi;
  let org: TestOrg;
  beforeAll(async () => {
    api = await startApi();
    org = await signUp(api.app);
  });
  afterAll(async () => {
    await api.close();
  });

  const post = (path: string) => request(api.app).post(path).set('X-API-Key', org.key);
  /** A body sent as these bytes, whatever its Content-Type says. */
  const postBytes = (path: string, bytes: Buffer, headers: Record<string, string>) =>
    post(path)
      .set(headers)
      // superagent would send a Buffer with a JSON Content-Type as the JSON of the Buffer object.
      .serialize((body: Buffer) => body as unknown as string)
      .send(bytes);

  test('a body declared in a charset other than UTF-8 answers 415 unsupported_encoding', async () => {
    const res = await postBytes('/api/events', Buffer.from('{"type":"a","payload":{}}', 'utf16le'), {
      'Content-Type': 'application/json; charset=utf-16le',
    });
    expect(res.status).toBe(415);
    expect(res.body).toEqual({ error: expect.any(String), code: 'unsupported_encoding', request_id: expect.any(String) });
  });

  test('a UTF-8 body that starts with a byte order mark is read', async () => {
    const bytes = Buffer.concat([Buffer.from([0xef, 0xbb, 0xbf]), Buffer.from('{"type":"bom","payload":{"é":1}}')]);
    const res = await postBytes('/api/events', bytes, { 'Content-Type': 'application/json; charset=UTF-8' });
    expect(res.status).toBe(201);
  });

  test('a body over the byte limit of its route answers 413 payload_too_large', async () => {
    const res = await post('/api/ack').send({ event_ids: ['x'.repeat(OTHER_BODY.bytes)] });
    expect(res.status).toBe(413);
    expect(res.body).toEqual({ error: 'Request body is too large', code: 'payload_too_large', request_id: expect.any(String) });
  });

  test('a body holding more JSON values than its route allows answers 413 payload_too_large', async () => {
    const res = await post('/api/ack').send({ event_ids: Array(OTHER_BODY.values).fill(0) });
    expect(res.status).toBe(413);
    expect(res.body.code).toBe('payload_too_large');
  });

  test('a gzip body that inflates past the limit (a zip bomb) answers 413 payload_too_large', async () => {
    const bomb = gzipSync(Buffer.from(`{"events":[${' '.repeat(64 * 1024 * 1024)}]}`));
    expect(bomb.length).toBeLessThan(100 * 1024);
    const res = await postBytes('/api/events/batch', bomb, { 'Content-Type': 'application/json', 'Content-Encoding': 'gzip' });
    expect(res.status).toBe(413);
    expect(res.body.code).toBe('payload_too_large');
  });

  test('a body nested 65 levels deep on a route other than the events answers 422 naming body; 64 levels pass the parser', async () => {
    const nested = (depth: number) => `{"webhook_url":${'['.repeat(depth - 1)}${']'.repeat(depth - 1)}}`;
    const deep = await post('/api/webhook/config').set('Content-Type', 'application/json').send(nested(65));
    expect(deep.status).toBe(422);
    expect(deep.body.details).toEqual([{ field: 'body', message: "'body' must not be nested deeper than 64 levels" }]);
    const ok = await post('/api/webhook/config').set('Content-Type', 'application/json').send(nested(64));
    expect(ok.status).toBe(422);
    expect(ok.body.details[0].field).toBe('webhook_url');
  });
});
