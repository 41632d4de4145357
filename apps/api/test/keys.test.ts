import { afterAll, beforeAll, describe, expect, test } from '@jest/globals';
import request from 'supertest';
import { ISO_PATTERN, signUp, startApi, type TestApi, UUID_PATTERN } from './helpers.js';

let api: TestApi;
beforeAll(async () => {
  api = await startApi();
});
afterAll(async () => {
  await api.close();
});

describe('POST /api/keys/generate', () => {
  test('creates an organization and returns its key once, with the tier limit', async () => {
    const res = await request(api.app).post('/api/keys/generate').send({ organization_name: 'Acme', tier: 'pro' }).expect(201);
    expect(res.body).toEqual({
      organization_id: expect.stringMatching(UUID_PATTERN),
      organization_name: 'Acme',
      api_key: expect.stringMatching(/^zap_live_[A-Za-z0-9_-]{32,}$/),
      tier: 'pro',
      rate_limit_per_minute: 1000,
      created_at: expect.stringMatching(ISO_PATTERN),
    });
  });

  test('stores only an argon2id hash of the key, never the key', async () => {
    const res = await request(api.app).post('/api/keys/generate').send({ organization_name: 'Hashed' }).expect(201);
    const row = await api.database.db
      .selectFrom('organizations')
      .selectAll()
      .where('id', '=', res.body.organization_id)
      .executeTakeFirstOrThrow();
    expect(row.key_hash).toMatch(/^\$argon2id\$/);
    expect(JSON.stringify(row)).not.toContain(res.body.api_key);
    expect(res.body.api_key.startsWith(row.key_prefix)).toBe(true);
  });

  test('accepts org_name as an alias and defaults the tier to free', async () => {
    const res = await request(api.app).post('/api/keys/generate').send({ org_name: 'Alias Inc' }).expect(201);
    expect(res.body).toMatchObject({ organization_name: 'Alias Inc', tier: 'free', rate_limit_per_minute: 100 });
  });

  test.each([
    [{}, 'organization_name'],
    [{ organization_name: '' }, 'organization_name'],
    [{ organization_name: 'x'.repeat(256) }, 'organization_name'],
    [{ organization_name: 42 }, 'organization_name'],
    [{ organization_name: 'Acme', tier: 'platinum' }, 'tier'],
    [{ organization_name: 'Nul\u0000Corp' }, 'organization_name'],
    [{ organization_name: 'Half \ud800 surrogate' }, 'organization_name'],
  ])('refuses %j with 422 validation_error naming %s', async (body, field) => {
    const res = await request(api.app).post('/api/keys/generate').send(body).expect(422);
    expect(res.body).toMatchObject({ code: 'validation_error', request_id: expect.any(String) });
    expect(res.body.details).toEqual(expect.arrayContaining([expect.objectContaining({ field })]));
  });

  test('answers a request with no body at all with 422 naming organization_name', async () => {
    const res = await request(api.app).post('/api/keys/generate').expect(422);
    expect(res.body).toMatchObject({
      code: 'validation_error',
      details: [{ field: 'organization_name', message: "'organization_name' is required" }],
    });
  });

  test('answers 400 invalid_json to a body that is not JSON', async () => {
    const res = await request(api.app)
      .post('/api/keys/generate')
      .set('Content-Type', 'application/json')
      .send('{"organization_name":')
      .expect(400);
    expect(res.body).toEqual({ error: expect.any(String), code: 'invalid_json', request_id: expect.any(String) });
  });
});

describe('POST /api/keys/generate with ADMIN_TOKEN set', () => {
  let admin: TestApi;
  beforeAll(async () => {
    admin = await startApi({ url: api.url, env: { ADMIN_TOKEN: 'sekret-admin-token' } });
  });
  afterAll(async () => {
    await admin.close();
  });

  test('refuses sign-up without the admin token with 401', async () => {
    const res = await request(admin.app).post('/api/keys/generate').send({ organization_name: 'Nope' }).expect(401);
    expect(res.body.code).toBe('missing_admin_token');
  });

  test('refuses a wrong admin token with 401', async () => {
    const res = await request(admin.app)
      .post('/api/keys/generate')
      .set('Authorization', 'Bearer wrong')
      .send({ organization_name: 'Nope' })
      .expect(401);
    expect(res.body.code).toBe('invalid_admin_token');
  });

  test('signs up with the admin token', async () => {
    await request(admin.app)
      .post('/api/keys/generate')
      .set('Authorization', 'Bearer sekret-admin-token')
      .send({ organization_name: 'Yes' })
      .expect(201);
  });
});

describe('authentication', () => {
  test('answers 401 missing_api_key without a key', async () => {
    const res = await request(api.app).get('/api/keys').expect(401);
    expect(res.body).toEqual({ error: 'Missing API key', code: 'missing_api_key', request_id: expect.any(String) });
  });

  test.each(['zap_live_not-a-real-key-but-long-enough-to-look-like-one', 'garbage', ''])(
    'answers 401 invalid_api_key to the key %j',
    async (key) => {
      const res = await request(api.app).get('/api/keys').set('X-API-Key', key).expect(401);
      expect(res.body).toEqual({ error: 'Invalid API key', code: 'invalid_api_key', request_id: expect.any(String) });
    },
  );

  test('answers 401 invalid_api_key to a right prefix with a wrong secret part', async () => {
    const org = await signUp(api.app);
    const forged = `${org.key.slice(0, 21)}${'A'.repeat(org.key.length - 21)}`;
    const res = await request(api.app).get('/api/keys').set('X-API-Key', forged).expect(401);
    expect(res.body.code).toBe('invalid_api_key');
  });

  test('accepts the key as X-API-Key and as Authorization: Bearer', async () => {
    const org = await signUp(api.app);
    await request(api.app).get('/api/keys').set('X-API-Key', org.key).expect(200);
    await request(api.app).get('/api/keys').set('Authorization', `Bearer ${org.key}`).expect(200);
  });
});

describe('GET /api/keys', () => {
  test('describes the calling organization without any secret', async () => {
    const org = await signUp(api.app, { tier: 'business' });
    const res = await request(api.app).get('/api/keys').set('X-API-Key', org.key).expect(200);
    expect(res.body).toEqual({
      organization_id: org.id,
      organization_name: org.name,
      tier: 'business',
      rate_limit_per_minute: 10000,
      webhook_url: null,
      key_prefix: expect.any(String),
      created_at: expect.stringMatching(ISO_PATTERN),
      key_rotated_at: null,
    });
    expect(res.body.key_prefix.length).toBeGreaterThanOrEqual(12);
    expect(org.key.startsWith(res.body.key_prefix)).toBe(true);
  });
});

describe('POST /api/keys/rotate', () => {
  test('returns a new key that works while the old one gets 401 at once', async () => {
    const org = await signUp(api.app);
    await request(api.app).get('/api/keys').set('X-API-Key', org.key).expect(200);
    const res = await request(api.app).post('/api/keys/rotate').set('X-API-Key', org.key).expect(200);
    expect(res.body).toEqual({
      organization_id: org.id,
      api_key: expect.stringMatching(/^zap_live_/),
      key_prefix: expect.any(String),
      rotated_at: expect.stringMatching(ISO_PATTERN),
    });
    expect(res.body.api_key).not.toBe(org.key);
    const old = await request(api.app).get('/api/keys').set('X-API-Key', org.key).expect(401);
    expect(old.body.code).toBe('invalid_api_key');
    const info = await request(api.app).get('/api/keys').set('X-API-Key', res.body.api_key).expect(200);
    expect(info.body.key_rotated_at).toBe(res.body.rotated_at);
  });

  test('takes effect on every API process sharing the database', async () => {
    const other = await startApi({ url: api.url });
    try {
      const org = await signUp(api.app);
      // Both processes have verified (and cached) the old key.
      await request(api.app).get('/api/keys').set('X-API-Key', org.key).expect(200);
      await request(other.app).get('/api/keys').set('X-API-Key', org.key).expect(200);
      const rotated = await request(api.app).post('/api/keys/rotate').set('X-API-Key', org.key).expect(200);
      await request(other.app).get('/api/keys').set('X-API-Key', org.key).expect(401);
      await request(other.app).get('/api/keys').set('X-API-Key', rotated.body.api_key).expect(200);
    } finally {
      await other.close();
    }
  });
});
