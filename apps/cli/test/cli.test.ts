import { randomUUID } from 'node:crypto';
import { readFileSync, statSync, writeFileSync } from 'node:fs';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, test } from '@jest/globals';
import { TriggersClient } from '@triggers/client';
import { createTestDatabase } from '@triggers/testing';
import { type ApiProcess, spawnApi } from '../../../packages/client/test/helpers/api-process.js';
import { cli, startCli, tempProfilePath } from './helpers/cli.js';

let api: ApiProcess;
beforeAll(async () => {
  api = await spawnApi(await createTestDatabase());
});
afterAll(async () => {
  await api.stop();
});

/** A new organization: its key, a client, and the environment that points the CLI at it. */
async function organization() {
  const key = await new TriggersClient({ baseUrl: api.url }).keys.generate({
    organization_name: `CLI ${randomUUID()}`,
    tier: 'enterprise',
  });
  const client = new TriggersClient({ baseUrl: api.url, apiKey: key.api_key });
  const env = { TRIGGERS_API_URL: api.url, TRIGGERS_API_KEY: key.api_key, TRIGGERS_CONFIG: tempProfilePath() };
  return { key, client, env };
}

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

describe('triggers (the CLI) against a real API process', () => {
  test('keys create --save writes a private profile file that later commands use with no other configuration', async () => {
    const profile = tempProfilePath();
    const created = await cli(['keys', 'create', '--name', 'Acme', '--tier', 'pro', '--save', '--api-url', api.url, '--json'], {
      TRIGGERS_CONFIG: profile,
    });
    expect(created.code).toBe(0);
    const key = JSON.parse(created.stdout);
    expect(key).toMatchObject({ organization_name: 'Acme', tier: 'pro', api_key: expect.stringMatching(/^zap_live_/) });
    expect(JSON.parse(readFileSync(profile, 'utf8'))).toEqual({
      profiles: { default: { api_url: api.url, api_key: key.api_key } },
    });
    expect(statSync(profile).mode & 0o777).toBe(0o600);
    const shown = await cli(['keys', 'show', '--json'], { TRIGGERS_CONFIG: profile });
    expect(shown.code).toBe(0);
    expect(JSON.parse(shown.stdout)).toMatchObject({
      organization_id: key.organization_id,
      organization_name: 'Acme',
      webhook_url: null,
    });
  });

  test('flags win over the environment, which wins over the profile', async () => {
    const { key, env } = await organization();
    writeFileSync(
      env.TRIGGERS_CONFIG,
      JSON.stringify({ profiles: { default: { api_url: 'http://127.0.0.1:9', api_key: 'zap_live_wrong' } } }),
    );
    const fromEnv = await cli(['keys', 'show', '--json'], env);
    expect([fromEnv.code, JSON.parse(fromEnv.stdout).organization_id]).toEqual([0, key.organization_id]);
    const fromFlag = await cli(['keys', 'show', '--json', '--api-key', 'zap_live_definitelyNotAKeyOfAnyOrganization00'], env);
    expect(fromFlag.code).toBe(3);
  });

  test('send prints the created event; --json prints exactly the API object', async () => {
    const { client, env } = await organization();
    const human = await cli(['send', 'order.created', '--data', '{"order":1}'], env);
    expect(human.code).toBe(0);
    expect(human.stdout).toMatch(/^created [0-9a-f-]{36} order\.created \(pending\)\n$/);
    const json = await cli(['send', 'order.created', '--data', '{"order":2}', '--dedup-id', 'order-2', '--json'], env);
    expect(json.code).toBe(0);
    const event = JSON.parse(json.stdout);
    expect(Object.keys(event).sort()).toEqual(['created_at', 'dedup_id', 'id', 'status', 'type']);
    expect(event).toMatchObject({
      id: expect.stringMatching(UUID),
      type: 'order.created',
      status: 'pending',
      dedup_id: 'order-2',
    });
    expect((await client.events.get(event.id)).payload).toEqual({ order: 2 });
  });

  test('a duplicate dedup id exits 1 with one line naming the code, status and request id; --json puts the error on stderr', async () => {
    const { env } = await organization();
    await cli(['send', 'order.created', '--dedup-id', 'dup'], env);
    const again = await cli(['send', 'order.created', '--dedup-id', 'dup'], env);
    expect(again.code).toBe(1);
    expect(again.stdout).toBe('');
    expect(again.stderr).toMatch(
      /^triggers: Duplicate event detected within 24-hour window \(duplicate_event, HTTP 409, request [0-9a-f-]{36}\)\n$/,
    );
    const json = await cli(['send', 'order.created', '--dedup-id', 'dup', '--json'], env);
    expect(json.code).toBe(1);
    expect(JSON.parse(json.stderr)).toMatchObject({
      code: 'duplicate_event',
      status: 409,
      request_id: expect.stringMatching(UUID),
      event_id: expect.stringMatching(UUID),
      dedup_id: 'dup',
    });
  });

  test('events get shows the event; an unknown id exits 4', async () => {
    const { client, env } = await organization();
    const sent = await client.events.send({ type: 'invoice.paid', payload: { amount: 10 } });
    const human = await cli(['events', 'get', sent.id], env);
    expect(human.code).toBe(0);
    expect(human.stdout).toContain(`${sent.id}  invoice.paid  pending`);
    expect(human.stdout).toContain('payload       {"amount":10}');
    const json = await cli(['events', 'get', sent.id, '--json'], env);
    expect(JSON.parse(json.stdout)).toMatchObject({
      id: sent.id,
      type: 'invoice.paid',
      payload: { amount: 10 },
      delivery_attempts: [],
    });
    const missing = await cli(['events', 'get', randomUUID()], env);
    expect(missing.code).toBe(4);
    expect(missing.stderr).toMatch(/^triggers: Event not found \(not_found, HTTP 404, request .+\)\n$/);
  });

  test('usage mistakes exit 2 with one line: unknown command, missing argument, bad JSON, no key', async () => {
    const { env } = await organization();
    const unknown = await cli(['frobnicate'], env);
    expect([unknown.code, unknown.stderr]).toEqual([2, 'triggers: unknown command: frobnicate (see triggers --help)\n']);
    const missing = await cli(['send'], env);
    expect(missing.code).toBe(2);
    const badJson = await cli(['send', 't', '--data', '{nope'], env);
    expect([badJson.code, badJson.stderr]).toEqual([2, 'triggers: --data is not valid JSON (see triggers --help)\n']);
    const unknownFlag = await cli(['send', 't', '--colour'], env);
    expect(unknownFlag.code).toBe(2);
    const noKey = await cli(['keys', 'show'], { TRIGGERS_API_URL: api.url, TRIGGERS_CONFIG: env.TRIGGERS_CONFIG });
    expect(noKey.code).toBe(2);
    expect(noKey.stderr).toContain('no API key');
  });

  test('an API that cannot be reached exits 6 after the retries', async () => {
    const closed = http.createServer();
    await new Promise<void>((resolve) => closed.listen(0, '127.0.0.1', resolve));
    const { port } = closed.address() as AddressInfo;
    await new Promise((resolve) => closed.close(resolve));
    const { env } = await organization();
    const run = await cli(['keys', 'show', '--retries', '1'], { ...env, TRIGGERS_API_URL: `http://127.0.0.1:${port}` });
    expect(run.code).toBe(6);
    expect(run.stderr).toMatch(/ECONNREFUSED 127\.0\.0\.1:\d+ \(network_error, request .+\)\n$/);
    expect(run.stderr).toContain('retrying in');
  });

  test('events tail prints each new event once as it arrives, then stops after --count', async () => {
    const { client, env } = await organization();
    await client.events.send({ type: 'old', payload: {} });
    const tail = startCli(['events', 'tail', '--json', '--interval', '1', '--count', '3'], env);
    // Let it take its first look, so the events below are new to it.
    await new Promise((resolve) => setTimeout(resolve, 1500));
    const sent = [];
    for (const n of [1, 2, 3]) sent.push(await client.events.send({ type: 'order.created', payload: { n } }));
    const { code, stdout } = await tail.done;
    expect(code).toBe(0);
    const printed = stdout
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l));
    expect(printed.map((e) => e.id)).toEqual(sent.map((e) => e.id));
    expect(printed[0]).toMatchObject({ type: 'order.created', payload: { n: 1 }, status: expect.any(String) });
  });

  test('events tail --since shows recent events too, and --status filters them', async () => {
    const { client, env } = await organization();
    const a = await client.events.send({ type: 'a', payload: {} });
    const b = await client.events.send({ type: 'b', payload: {} });
    await client.inbox.ack(a.id);
    const delivered = await cli(['events', 'tail', '--json', '--since', '1h', '--status', 'delivered', '--count', '1'], env);
    expect(JSON.parse(delivered.stdout)).toMatchObject({ id: a.id, status: 'delivered' });
    const pending = await cli(['events', 'tail', '--json', '--since', '1h', '--status', 'pending', '--count', '1'], env);
    expect(JSON.parse(pending.stdout)).toMatchObject({ id: b.id, status: 'pending' });
  });

  test('events tail --type shows only matching events', async () => {
    const { client, env } = await organization();
    await client.events.send({ type: 'invoice.paid', payload: {} });
    const order = await client.events.send({ type: 'order.created', payload: {} });
    const tail = await cli(['events', 'tail', '--json', '--since', '1h', '--type', 'order.*', '--count', '1'], env);
    expect(JSON.parse(tail.stdout)).toMatchObject({ id: order.id, type: 'order.created' });
  });
});
