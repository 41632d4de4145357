import { afterAll, beforeAll, describe, expect, test } from '@jest/globals';
import { createLogger } from '@triggers/logger';
import request from 'supertest';
import { signUp, startApi, type TestApi } from './helpers.js';

/** Every line the API logs at info and above, as the JSON objects it writes (nothing printed). */
const logger = createLogger({ service: 'api', level: 'info' });
for (const transport of logger.transports) transport.silent = true;
const lines: Record<string, unknown>[] = [];
logger.on('data', (info: Record<string, unknown>) => lines.push(info));

let api: TestApi;
beforeAll(async () => {
  api = await startApi({ logger, env: { WEBHOOK_ALLOW_PRIVATE: 'true' } });
});
afterAll(async () => {
  await api.close();
});

describe('operator logs', () => {
  test('an API key rotation is logged at info with the organization id and the new key prefix, never the key', async () => {
    const org = await signUp(api.app);
    const res = await request(api.app).post('/api/keys/rotate').set('x-api-key', org.key).expect(200);
    const line = lines.find((l) => l.message === 'api key rotated');
    expect(line).toMatchObject({ level: 'info', service: 'api', org_id: org.id, key_prefix: res.body.key_prefix });
    expect(JSON.stringify(lines)).not.toContain(res.body.api_key);
  });

  test('a webhook secret rotation is logged at info with the organization id, never the secret', async () => {
    const org = await signUp(api.app);
    await request(api.app)
      .post('/api/webhook/config')
      .set('x-api-key', org.key)
      .send({ webhook_url: 'http://127.0.0.1:9/hooks' })
      .expect(200);
    const res = await request(api.app).post('/api/webhook/secret/rotate').set('x-api-key', org.key).expect(200);
    const line = lines.find((l) => l.message === 'webhook secret rotated');
    expect(line).toMatchObject({ level: 'info', service: 'api', org_id: org.id });
    expect(JSON.stringify(lines)).not.toContain(res.body.webhook_secret);
  });
});
