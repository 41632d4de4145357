import { afterAll, beforeAll, describe, expect, test } from '@jest/globals';
import request from 'supertest';
import { isPrivateHost, webhookUrlProblem } from '../src/webhooks/url-policy.js';
import { ISO_PATTERN, signUp, startApi, type TestApi } from './helpers.js';

const SECRET_PATTERN = /^whsec_[A-Za-z0-9+/]{43}=$/;

let api: TestApi;
beforeAll(async () => {
  api = await startApi();
});
afterAll(async () => {
  await api.close();
});

/** The organization's default subscription (v1's webhook), if it has one. */
async function storedDefault(orgId: string) {
  return api.database.db
    .selectFrom('subscriptions')
    .selectAll()
    .where('org_id', '=', orgId)
    .where('is_default', '=', true)
    .executeTakeFirst();
}

describe('POST /api/webhook/config', () => {
  test('sets the URL and creates a whsec_ secret of 32 random bytes on first configuration', async () => {
    const org = await signUp(api.app);
    const res = await request(api.app)
      .post('/api/webhook/config')
      .set('X-API-Key', org.key)
      .send({ webhook_url: 'https://hooks.example.com/triggers' })
      .expect(200);
    expect(res.body).toEqual({
      success: true,
      webhook_url: 'https://hooks.example.com/triggers',
      webhook_secret: expect.stringMatching(SECRET_PATTERN),
    });
    expect(Buffer.from(res.body.webhook_secret.slice('whsec_'.length), 'base64')).toHaveLength(32);
    const row = await storedDefault(org.id);
    expect(row).toMatchObject({ target_url: 'https://hooks.example.com/triggers', event_types: ['*'], status: 'active' });
    expect(row?.secret).toBe(res.body.webhook_secret);
  });

  test('keeps the secret when the URL changes', async () => {
    const org = await signUp(api.app);
    const first = await request(api.app)
      .post('/api/webhook/config')
      .set('X-API-Key', org.key)
      .send({ webhook_url: 'https://a.example.com/' })
      .expect(200);
    const second = await request(api.app)
      .post('/api/webhook/config')
      .set('X-API-Key', org.key)
      .send({ webhook_url: 'http://b.example.com:8080/hook?x=1' })
      .expect(200);
    expect(second.body).toEqual({
      success: true,
      webhook_url: 'http://b.example.com:8080/hook?x=1',
      webhook_secret: first.body.webhook_secret,
    });
  });

  // v2 (API.md): null deletes the default subscription; a later URL creates a new one with a new secret.
  test('null deletes the default subscription: push delivery is off and nulls are shown', async () => {
    const org = await signUp(api.app);
    const first = await request(api.app)
      .post('/api/webhook/config')
      .set('X-API-Key', org.key)
      .send({ webhook_url: 'https://a.example.com/' })
      .expect(200);
    const off = await request(api.app)
      .post('/api/webhook/config')
      .set('X-API-Key', org.key)
      .send({ webhook_url: null })
      .expect(200);
    expect(off.body).toEqual({ success: true, webhook_url: null, webhook_secret: null });
    expect(await storedDefault(org.id)).toBeUndefined();
    const keys = await request(api.app).get('/api/keys').set('X-API-Key', org.key).expect(200);
    expect(keys.body.webhook_url).toBeNull();
    const again = await request(api.app)
      .post('/api/webhook/config')
      .set('X-API-Key', org.key)
      .send({ webhook_url: 'https://a.example.com/' })
      .expect(200);
    expect(again.body.webhook_secret).toMatch(SECRET_PATTERN);
    expect(again.body.webhook_secret).not.toBe(first.body.webhook_secret);
  });

  test('null as the very first configuration creates nothing', async () => {
    const org = await signUp(api.app);
    const res = await request(api.app)
      .post('/api/webhook/config')
      .set('X-API-Key', org.key)
      .send({ webhook_url: null })
      .expect(200);
    expect(res.body).toEqual({ success: true, webhook_url: null, webhook_secret: null });
    expect(await storedDefault(org.id)).toBeUndefined();
  });

  test('a URL enables a default subscription that a 410 disabled, keeping its secret', async () => {
    const org = await signUp(api.app);
    const first = await request(api.app)
      .post('/api/webhook/config')
      .set('X-API-Key', org.key)
      .send({ webhook_url: 'https://a.example.com/' })
      .expect(200);
    await api.database.db
      .updateTable('subscriptions')
      .set({ status: 'disabled', disabled_reason: 'gone', disabled_at: new Date() })
      .where('org_id', '=', org.id)
      .execute();
    const disabled = await request(api.app).get('/api/webhook/config').set('X-API-Key', org.key).expect(200);
    expect(disabled.body).toEqual({ success: true, webhook_url: null, webhook_secret: null });
    expect((await request(api.app).get('/api/keys').set('X-API-Key', org.key).expect(200)).body.webhook_url).toBeNull();
    const again = await request(api.app)
      .post('/api/webhook/config')
      .set('X-API-Key', org.key)
      .send({ webhook_url: 'https://b.example.com/' })
      .expect(200);
    expect(again.body).toEqual({
      success: true,
      webhook_url: 'https://b.example.com/',
      webhook_secret: first.body.webhook_secret,
    });
    expect(await storedDefault(org.id)).toMatchObject({ status: 'active', disabled_reason: null, disabled_at: null });
  });

  test('concurrent first configurations agree on one secret', async () => {
    const org = await signUp(api.app);
    const responses = await Promise.all(
      ['https://a.example.com/', 'https://b.example.com/', 'https://c.example.com/'].map((url) =>
        request(api.app).post('/api/webhook/config').set('X-API-Key', org.key).send({ webhook_url: url }).expect(200),
      ),
    );
    const secrets = new Set(responses.map((r) => r.body.webhook_secret));
    expect(secrets.size).toBe(1);
    expect((await storedDefault(org.id))?.secret).toBe(responses[0]?.body.webhook_secret);
    const { count } = await api.database.db
      .selectFrom('subscriptions')
      .select((eb) => eb.fn.countAll<number>().as('count'))
      .where('org_id', '=', org.id)
      .executeTakeFirstOrThrow();
    expect(Number(count)).toBe(1);
  });

  test('the URL shows in GET /api/keys', async () => {
    const org = await signUp(api.app);
    await request(api.app)
      .post('/api/webhook/config')
      .set('X-API-Key', org.key)
      .send({ webhook_url: 'https://hooks.example.com/x' })
      .expect(200);
    const keys = await request(api.app).get('/api/keys').set('X-API-Key', org.key).expect(200);
    expect(keys.body.webhook_url).toBe('https://hooks.example.com/x');
  });

  test('accepts a URL of exactly 2,048 characters', async () => {
    const org = await signUp(api.app);
    const base = 'https://hooks.example.com/';
    const url = base + 'a'.repeat(2048 - base.length);
    const res = await request(api.app)
      .post('/api/webhook/config')
      .set('X-API-Key', org.key)
      .send({ webhook_url: url })
      .expect(200);
    expect(res.body.webhook_url).toBe(url);
  });

  test.each([
    ['a relative URL', '/hooks'],
    ['a URL without a scheme', 'hooks.example.com/x'],
    ['an ftp URL', 'ftp://hooks.example.com/x'],
    ['a javascript: URL', 'javascript:alert(1)'],
    ['a file URL', 'file:///etc/passwd'],
    ['an empty string', ''],
    ['a URL of 2,049 characters', `https://hooks.example.com/${'a'.repeat(2049 - 26)}`],
    ['a URL with user and password', 'https://user:pass@hooks.example.com/x'],
    ['a URL with only a user', 'https://user@hooks.example.com/x'],
    ['a URL with only a password', 'https://:pass@hooks.example.com/x'],
    ['127.0.0.1', 'http://127.0.0.1:3000/hook'],
    ['127.255.0.9 (anywhere in 127/8)', 'http://127.255.0.9/hook'],
    ['127.1 (short form of 127.0.0.1)', 'http://127.1/hook'],
    ['2130706433 (decimal form of 127.0.0.1)', 'http://2130706433/hook'],
    ['0x7f.1 (hexadecimal form of 127.0.0.1)', 'http://0x7f.1/hook'],
    ['localhost', 'http://localhost:8080/hook'],
    ['LOCALHOST. with a trailing dot', 'http://LOCALHOST./hook'],
    ['a name under .localhost', 'https://app.localhost/hook'],
    ['10.0.0.1', 'https://10.0.0.1/hook'],
    ['172.16.0.1', 'https://172.16.0.1/hook'],
    ['172.31.255.254', 'https://172.31.255.254/hook'],
    ['192.168.1.10', 'https://192.168.1.10/hook'],
    ['169.254.169.254 (cloud metadata)', 'http://169.254.169.254/latest/meta-data'],
    ['0.0.0.0', 'http://0.0.0.0:8080/'],
    ['100.64.0.1 (carrier-grade NAT)', 'http://100.64.0.1/'],
    ['[::1]', 'http://[::1]:8080/hook'],
    ['[::]', 'http://[::]/hook'],
    ['[fc00::1] (unique local)', 'http://[fc00::1]/hook'],
    ['[fd00:ec2::254] (AWS IPv6 metadata)', 'http://[fd00:ec2::254]/'],
    ['[fe80::1] (link-local)', 'http://[fe80::1]/hook'],
    ['[::ffff:127.0.0.1] (IPv4-mapped loopback)', 'http://[::ffff:127.0.0.1]/hook'],
    ['[::ffff:169.254.169.254] (IPv4-mapped metadata)', 'http://[::ffff:169.254.169.254]/'],
    ['[64:ff9b::a00:1] (NAT64 of 10.0.0.1)', 'http://[64:ff9b::a00:1]/'],
  ])('refuses %s with 422 validation_error naming webhook_url', async (_name, url) => {
    const org = await signUp(api.app);
    const res = await request(api.app)
      .post('/api/webhook/config')
      .set('X-API-Key', org.key)
      .send({ webhook_url: url })
      .expect(422);
    expect(res.body).toEqual({
      error: expect.any(String),
      code: 'validation_error',
      details: [{ field: 'webhook_url', message: expect.any(String) }],
      request_id: expect.any(String),
    });
    expect(await storedDefault(org.id)).toBeUndefined();
  });

  test.each([
    ['no body', undefined],
    ['an empty object', {}],
    ['a number as URL', { webhook_url: 42 }],
    ['an object as URL', { webhook_url: { href: 'https://x.example.com' } }],
    ['an array body', ['https://x.example.com']],
    ['a string body', 'https://x.example.com'],
    ['a null body', null],
    ['a URL with a NUL character', { webhook_url: 'https://example.com/\u0000x' }],
    ['a URL with an unpaired surrogate', { webhook_url: 'https://example.com/\ud800' }],
  ])('refuses %s with 422 validation_error', async (_name, body) => {
    const org = await signUp(api.app);
    const req = request(api.app).post('/api/webhook/config').set('X-API-Key', org.key).set('Content-Type', 'application/json');
    const res = await (body === undefined ? req : req.send(JSON.stringify(body))).expect(422);
    expect(res.body.code).toBe('validation_error');
    expect(res.body.details.length).toBeGreaterThan(0);
  });

  test('accepts public addresses and names that merely look private', async () => {
    const org = await signUp(api.app);
    for (const url of [
      'https://8.8.8.8/hook',
      'https://172.32.0.1/hook',
      'https://[2606:4700::1111]/hook',
      'https://localhost.example.com/hook',
      'https://10.0.0.1.nip.io/hook',
    ]) {
      const res = await request(api.app).post('/api/webhook/config').set('X-API-Key', org.key).send({ webhook_url: url });
      expect([url, res.status]).toEqual([url, 200]);
    }
  });

  test('answers 400 invalid_json to a body that is not JSON', async () => {
    const org = await signUp(api.app);
    const res = await request(api.app)
      .post('/api/webhook/config')
      .set('X-API-Key', org.key)
      .set('Content-Type', 'application/json')
      .send('{"webhook_url":')
      .expect(400);
    expect(res.body).toEqual({ error: expect.any(String), code: 'invalid_json', request_id: expect.any(String) });
  });

  test('needs an API key', async () => {
    const res = await request(api.app).post('/api/webhook/config').send({ webhook_url: 'https://x.example.com' }).expect(401);
    expect(res.body.code).toBe('missing_api_key');
  });

  test('answers 405 with an Allow header to other methods', async () => {
    const org = await signUp(api.app);
    const res = await request(api.app).delete('/api/webhook/config').set('X-API-Key', org.key).expect(405);
    expect(res.headers.allow).toBe('GET, HEAD, POST');
    expect(res.body.code).toBe('method_not_allowed');
  });
});

describe('POST /api/webhook/config with WEBHOOK_ALLOW_PRIVATE=true', () => {
  let open: TestApi;
  beforeAll(async () => {
    open = await startApi({ url: api.url, env: { WEBHOOK_ALLOW_PRIVATE: 'true' } });
  });
  afterAll(async () => {
    await open.close();
  });

  test.each(['http://127.0.0.1:3000/hook', 'http://localhost:8080/hook', 'http://[::1]/hook', 'http://192.168.1.10/hook'])(
    'accepts %s',
    async (url) => {
      const org = await signUp(open.app);
      const res = await request(open.app)
        .post('/api/webhook/config')
        .set('X-API-Key', org.key)
        .send({ webhook_url: url })
        .expect(200);
      expect(res.body.webhook_url).toBe(url);
    },
  );

  test('still refuses a URL with credentials or a non-http scheme', async () => {
    const org = await signUp(open.app);
    for (const url of ['http://u:p@127.0.0.1/', 'ftp://127.0.0.1/']) {
      const res = await request(open.app).post('/api/webhook/config').set('X-API-Key', org.key).send({ webhook_url: url });
      expect([url, res.status, res.body.code]).toEqual([url, 422, 'validation_error']);
    }
  });
});

describe('GET /api/webhook/config', () => {
  test('answers nulls (and success) before any configuration, without creating a secret', async () => {
    const org = await signUp(api.app);
    const res = await request(api.app).get('/api/webhook/config').set('X-API-Key', org.key).expect(200);
    expect(res.body).toEqual({ success: true, webhook_url: null, webhook_secret: null });
    expect(await storedDefault(org.id)).toBeUndefined();
  });

  test('returns the same object as the last POST', async () => {
    const org = await signUp(api.app);
    const posted = await request(api.app)
      .post('/api/webhook/config')
      .set('X-API-Key', org.key)
      .send({ webhook_url: 'https://hooks.example.com/y' })
      .expect(200);
    const res = await request(api.app).get('/api/webhook/config').set('X-API-Key', org.key).expect(200);
    expect(res.body).toEqual(posted.body);
  });

  test("shows only the calling organization's configuration", async () => {
    const a = await signUp(api.app);
    const b = await signUp(api.app);
    await request(api.app)
      .post('/api/webhook/config')
      .set('X-API-Key', a.key)
      .send({ webhook_url: 'https://a.example.com/' })
      .expect(200);
    const res = await request(api.app).get('/api/webhook/config').set('X-API-Key', b.key).expect(200);
    expect(res.body).toEqual({ success: true, webhook_url: null, webhook_secret: null });
  });
});

describe('POST /api/webhook/secret/rotate', () => {
  test('replaces the secret and keeps the old one for the worker for 24 hours', async () => {
    const org = await signUp(api.app);
    const configured = await request(api.app)
      .post('/api/webhook/config')
      .set('X-API-Key', org.key)
      .send({ webhook_url: 'https://hooks.example.com/' })
      .expect(200);
    const before = Date.now();
    const res = await request(api.app).post('/api/webhook/secret/rotate').set('X-API-Key', org.key).expect(200);
    expect(res.body).toEqual({
      webhook_secret: expect.stringMatching(SECRET_PATTERN),
      previous_secret_expires_at: expect.stringMatching(ISO_PATTERN),
    });
    expect(res.body.webhook_secret).not.toBe(configured.body.webhook_secret);
    const expires = Date.parse(res.body.previous_secret_expires_at);
    expect(expires).toBeGreaterThanOrEqual(before + 24 * 3600_000 - 5_000);
    expect(expires).toBeLessThanOrEqual(Date.now() + 24 * 3600_000 + 5_000);

    const row = await storedDefault(org.id);
    expect(row?.secret).toBe(res.body.webhook_secret);
    expect(row?.previous_secret).toBe(configured.body.webhook_secret);
    expect(row?.previous_secret_expires_at?.toISOString()).toBe(res.body.previous_secret_expires_at);
    expect(row?.target_url).toBe('https://hooks.example.com/');

    const config = await request(api.app).get('/api/webhook/config').set('X-API-Key', org.key).expect(200);
    expect(config.body.webhook_secret).toBe(res.body.webhook_secret);
  });

  test('a second rotation makes the first new secret the previous one', async () => {
    const org = await signUp(api.app);
    await request(api.app)
      .post('/api/webhook/config')
      .set('X-API-Key', org.key)
      .send({ webhook_url: 'https://hooks.example.com/' })
      .expect(200);
    const first = await request(api.app).post('/api/webhook/secret/rotate').set('X-API-Key', org.key).expect(200);
    const second = await request(api.app).post('/api/webhook/secret/rotate').set('X-API-Key', org.key).expect(200);
    const row = await storedDefault(org.id);
    expect(row?.secret).toBe(second.body.webhook_secret);
    expect(row?.previous_secret).toBe(first.body.webhook_secret);
  });

  // v2: the secret belongs to the default subscription; with none there is nothing to rotate.
  test('answers 409 webhook_not_configured when there is no default subscription', async () => {
    const org = await signUp(api.app);
    const res = await request(api.app).post('/api/webhook/secret/rotate').set('X-API-Key', org.key).expect(409);
    expect(res.body).toEqual({
      error: 'No webhook is configured for this organization',
      code: 'webhook_not_configured',
      request_id: expect.any(String),
    });
  });

  test('answers 405 to GET', async () => {
    const org = await signUp(api.app);
    const res = await request(api.app).get('/api/webhook/secret/rotate').set('X-API-Key', org.key).expect(405);
    expect(res.headers.allow).toBe('POST');
  });
});

describe('url-policy', () => {
  test('recognises private literals and leaves public ones and host names alone', () => {
    expect(isPrivateHost('[::ffff:7f00:1]')).toBe(true);
    expect(isPrivateHost('[2002:a00:1::1]')).toBe(true);
    expect(isPrivateHost('172.15.255.255')).toBe(false);
    expect(isPrivateHost('100.128.0.1')).toBe(false);
    expect(isPrivateHost('internal.corp')).toBe(false);
  });

  test('lets private literals through when allowed', () => {
    expect(webhookUrlProblem('http://127.0.0.1/', { allowPrivate: true })).toBeUndefined();
    expect(webhookUrlProblem('http://127.0.0.1/', { allowPrivate: false })).toMatch(/loopback/);
  });
});
