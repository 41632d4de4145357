import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, test } from '@jest/globals';
import { TriggersClient } from '@triggers/client';
import { createTestDatabase } from '@triggers/testing';
import { type ApiProcess, spawnApi } from '../../../packages/client/test/helpers/api-process.js';
import { cli, tempProfilePath } from './helpers/cli.js';

let api: ApiProcess;
beforeAll(async () => {
  api = await spawnApi(await createTestDatabase());
});
afterAll(async () => {
  await api.stop();
});

async function organization() {
  const key = await new TriggersClient({ baseUrl: api.url }).keys.generate({
    organization_name: `CLI ${randomUUID()}`,
    tier: 'enterprise',
  });
  const client = new TriggersClient({ baseUrl: api.url, apiKey: key.api_key });
  const env = { TRIGGERS_API_URL: api.url, TRIGGERS_API_KEY: key.api_key, TRIGGERS_CONFIG: tempProfilePath() };
  return { client, env };
}

describe('triggers subscriptions, redeliver and replay', () => {
  test('create, list, get, pause, resume and delete, with --json shapes and exit codes', async () => {
    const { env } = await organization();
    const created = await cli(
      ['subscriptions', 'create', '--url', 'http://127.0.0.1:9/a', '--type', 'order.*', '--type', 'invoice.paid', '--json'],
      env,
    );
    expect(created.code).toBe(0);
    const subscription = JSON.parse(created.stdout);
    expect(subscription).toMatchObject({
      target_url: 'http://127.0.0.1:9/a',
      event_types: ['order.*', 'invoice.paid'],
      status: 'active',
      secret: expect.stringMatching(/^whsec_/),
    });

    const human = await cli(['subscriptions', 'create', '--url', 'http://127.0.0.1:9/b'], env);
    expect(human.stdout).toMatch(/^[0-9a-f-]{36} {2}active {4}\* {2}http:\/\/127\.0\.0\.1:9\/b\nsecret {4}whsec_\S+\n$/);

    const list = await cli(['subscriptions', 'list', '--json'], env);
    const listed = JSON.parse(list.stdout).subscriptions;
    expect(listed.map((s: { target_url: string }) => s.target_url)).toEqual(['http://127.0.0.1:9/b', 'http://127.0.0.1:9/a']);

    const paused = await cli(['subscriptions', 'pause', subscription.id, '--json'], env);
    expect(JSON.parse(paused.stdout).status).toBe('paused');
    const resumed = await cli(['subscriptions', 'resume', subscription.id], env);
    expect(resumed.stdout).toContain(`${subscription.id}  active`);
    const got = await cli(['subscriptions', 'get', subscription.id, '--json'], env);
    expect(JSON.parse(got.stdout)).toMatchObject({ id: subscription.id, status: 'active', disabled_reason: null });

    const deleted = await cli(['subscriptions', 'delete', subscription.id, '--json'], env);
    expect([deleted.code, JSON.parse(deleted.stdout)]).toEqual([0, { id: subscription.id, deleted: true }]);
    const again = await cli(['subscriptions', 'delete', subscription.id], env);
    expect(again.code).toBe(4);
    expect(again.stderr).toMatch(/^triggers: .+ \(not_found, HTTP 404, request .+\)\n$/);
  });

  test('a refused subscription URL exits 1 naming the field', async () => {
    const { env } = await organization();
    const refused = await cli(['subscriptions', 'create', '--url', 'ftp://example.com/x'], env);
    expect(refused.code).toBe(1);
    expect(refused.stderr).toMatch(/validation_error, HTTP 422/);
  });

  test('redeliver queues a delivery to a subscription, and exits 1 when there is nowhere to deliver', async () => {
    const { client, env } = await organization();
    const event = await client.events.send({ type: 'order.created', payload: {} });
    const nowhere = await cli(['redeliver', event.id], env);
    expect(nowhere.code).toBe(1);
    const subscription = await client.subscriptions.create({ target_url: 'http://127.0.0.1:9/a', event_types: ['*'] });
    const queued = await cli(['redeliver', event.id, '--subscription', subscription.id], env);
    expect([queued.code, queued.stdout]).toEqual([0, `redelivery of ${event.id} queued (pending)\n`]);
  });

  test('replay counts what it queued, shows progress on stderr, and checks its flags', async () => {
    const { client, env } = await organization();
    await client.subscriptions.create({ target_url: 'http://127.0.0.1:9/a', event_types: ['*'] });
    await client.events.sendMany([
      { type: 'order.created', payload: {} },
      { type: 'order.paid', payload: {} },
      { type: 'invoice.paid', payload: {} },
    ]);
    const json = await cli(['replay', '--from', '1h', '--to', 'now', '--type', 'order.*', '--json'], env);
    expect([json.code, JSON.parse(json.stdout)]).toEqual([0, { replayed: 2 }]);
    const human = await cli(['replay', '--from', '1h', '--to', 'now', '--type', 'invoice.*'], env);
    expect(human.stdout).toMatch(/^replayed 1 event\(s\) in \d+\.\d s\n$/);
    expect(human.stderr).toMatch(/^replaying events from \S+ to \S+ of type invoice\.\*…\n$/);
    const bad = await cli(['replay', '--from', 'yesterday-ish', '--to', 'now'], env);
    expect(bad.code).toBe(2);
  });
});
