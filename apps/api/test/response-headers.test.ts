import { afterAll, beforeAll, describe, expect, test } from '@jest/globals';
import request from 'supertest';
import { signUp, startApi, type TestApi, type TestOrg } from './helpers.js';

let api: TestApi;
let org: TestOrg;
beforeAll(async () => {
  api = await startApi();
  org = await signUp(api.app);
});
afterAll(async () => {
  await api.close();
});

describe('X-Content-Type-Options: nosniff', () => {
  test.each([
    ['GET', '/health', 200],
    ['GET', '/openapi.json', 200],
    ['GET', '/docs', 200],
    ['GET', '/docs/assets/swagger-ui.css', 200],
    ['GET', '/nowhere', 404],
    ['GET', '/api/keys', 401],
    ['DELETE', '/health', 405],
  ])('is on %s %s (%i)', async (method, path, status) => {
    const res = await request(api.app)[method.toLowerCase() as 'get' | 'delete'](path);
    expect(res.status).toBe(status);
    expect(res.headers['x-content-type-options']).toBe('nosniff');
  });

  test('is on authenticated responses and on their errors', async () => {
    const ok = await request(api.app).get('/api/keys').set('X-API-Key', org.key).expect(200);
    const invalid = await request(api.app).post('/api/events').set('X-API-Key', org.key).send({}).expect(422);
    expect([ok.headers['x-content-type-options'], invalid.headers['x-content-type-options']]).toEqual(['nosniff', 'nosniff']);
  });
});

describe('Cache-Control: no-store on responses that carry a key or a secret', () => {
  test('sign-up and key rotation, which carry the key', async () => {
    const signup = await request(api.app).post('/api/keys/generate').send({ organization_name: 'Cache' }).expect(201);
    expect(signup.headers['cache-control']).toBe('no-store');
    const rotated = await request(api.app).post('/api/keys/rotate').set('X-API-Key', signup.body.api_key).expect(200);
    expect(rotated.headers['cache-control']).toBe('no-store');
  });

  test('the webhook configuration and its secret rotation, which carry the signing secret', async () => {
    const auth = { 'X-API-Key': org.key };
    const set = await request(api.app).post('/api/webhook/config').set(auth).send({ webhook_url: 'https://example.com/hook' });
    const get = await request(api.app).get('/api/webhook/config').set(auth);
    const rotated = await request(api.app).post('/api/webhook/secret/rotate').set(auth);
    expect([set, get, rotated].map((r) => [r.status, r.headers['cache-control']])).toEqual([
      [200, 'no-store'],
      [200, 'no-store'],
      [200, 'no-store'],
    ]);
  });

  test('a subscription created, its secret read and its secret rotated, which carry its signing secret', async () => {
    const auth = { 'X-API-Key': org.key };
    const created = await request(api.app)
      .post('/api/subscriptions')
      .set(auth)
      .send({ target_url: 'https://example.com/sub', event_types: ['*'] });
    const secret = await request(api.app).get(`/api/subscriptions/${created.body.id}/secret`).set(auth);
    const rotated = await request(api.app).post(`/api/subscriptions/${created.body.id}/secret/rotate`).set(auth);
    const listed = await request(api.app).get('/api/subscriptions').set(auth);
    expect([created, secret, rotated, listed].map((r) => [r.status, r.headers['cache-control']])).toEqual([
      [201, 'no-store'],
      [200, 'no-store'],
      [200, 'no-store'],
      [200, undefined],
    ]);
  });

  test('is not on responses without one', async () => {
    const res = await request(api.app).get('/api/keys').set('X-API-Key', org.key).expect(200);
    expect(res.headers['cache-control']).toBeUndefined();
  });
});
