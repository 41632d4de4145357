import { randomUUID } from 'node:crypto';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, test } from '@jest/globals';
import { TriggersClient, webhookHandler } from '@triggers/client';
import { createTestDatabase } from '@triggers/testing';
import { type ApiProcess, spawnApi } from '../../../packages/client/test/helpers/api-process.js';
import { type RunningCli, startCli, tempProfilePath } from './helpers/cli.js';

let api: ApiProcess;
let databaseUrl: string;
const servers: http.Server[] = [];
const running: RunningCli[] = [];

beforeAll(async () => {
  databaseUrl = await createTestDatabase();
  api = await spawnApi(databaseUrl);
});

afterAll(async () => {
  for (const r of running) if (r.child.exitCode === null) r.child.kill('SIGKILL');
  for (const server of servers) {
    server.closeAllConnections();
    await new Promise((resolve) => server.close(resolve));
  }
  await api.stop();
});

function freePort(): Promise<number> {
  return new Promise((resolve) => {
    const server = http.createServer();
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as AddressInfo;
      server.close(() => resolve(port));
    });
  });
}

async function organization() {
  const key = await new TriggersClient({ baseUrl: api.url }).keys.generate({
    organization_name: `Listen ${randomUUID()}`,
    tier: 'enterprise',
  });
  const client = new TriggersClient({ baseUrl: api.url, apiKey: key.api_key });
  const env = { TRIGGERS_API_URL: api.url, TRIGGERS_API_KEY: key.api_key, TRIGGERS_CONFIG: tempProfilePath() };
  return { client, env };
}

interface Receiver {
  url: string;
  /** The event id of every request, in arrival order, with the status it got. */
  requests: { eventId: string; status: number; type: string }[];
  /** Resolves once `count` distinct events got a 2xx. */
  accepted(count: number, timeoutMs?: number): Promise<void>;
}

/**
 * A local receiver that verifies signatures with `secret` (webhookHandler) and answers the
 * n-th verified request with `status(n)`, after `delayMs`.
 */
async function receiver(secret: string, status: (n: number) => number, delayMs = 0): Promise<Receiver> {
  const requests: Receiver['requests'] = [];
  const server = http.createServer(
    webhookHandler({ secrets: secret }, async (delivery, _req, res) => {
      const answer = status(requests.length);
      requests.push({ eventId: delivery.event_id, status: answer, type: delivery.type });
      if (delayMs) await new Promise((resolve) => setTimeout(resolve, delayMs));
      res.writeHead(answer).end();
    }),
  );
  servers.push(server);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const okIds = () => new Set(requests.filter((r) => r.status < 300).map((r) => r.eventId));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/webhook`,
    requests,
    accepted: async (count, timeoutMs = 60_000) => {
      const deadline = Date.now() + timeoutMs;
      while (okIds().size < count) {
        if (Date.now() > deadline) throw new Error(`${okIds().size} of ${count} accepted; ${requests.length} requests`);
        await new Promise((resolve) => setTimeout(resolve, 100));
      }
    },
  };
}

function listen(args: string[], env: Record<string, string>): RunningCli {
  const r = startCli(['listen', '--json', '--interval', '1', ...args], env);
  running.push(r);
  return r;
}

async function stop(r: RunningCli) {
  r.child.kill('SIGINT');
  return r.done;
}

describe('triggers listen', () => {
  test('forwards 100 events to a local server that fails some then recovers: none lost, none accepted twice', async () => {
    const { client, env } = await organization();
    // The default subscription's secret signs the forwarded events (no worker runs here: nothing else delivers).
    const { webhook_secret } = await client.webhookConfig.set('http://127.0.0.1:9/unused');
    const failing = 40;
    const r = await receiver(webhook_secret as string, (n) => (n < failing ? 500 : 200));
    const sent = await client.events.sendMany(Array.from({ length: 100 }, (_, n) => ({ type: 'order.created', payload: { n } })));

    const cli = listen(['--forward-to', r.url, '--batch', '25', '--visibility', '2'], env);
    await r.accepted(100);
    const { code, stdout, stderr } = await stop(cli);

    expect(code).toBe(0);
    const accepted = r.requests.filter((q) => q.status === 200).map((q) => q.eventId);
    expect(accepted).toHaveLength(100);
    expect(new Set(accepted)).toEqual(new Set(sent.map((s) => s.id)));
    expect(r.requests.filter((q) => q.status === 500)).toHaveLength(failing);
    // Each line of --json output is one forward, failed or accepted.
    const lines = stdout
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l));
    expect(lines).toHaveLength(r.requests.length);
    expect(lines.filter((l) => l.ok)).toHaveLength(100);
    expect(lines.find((l) => !l.ok)).toMatchObject({ status: 500, error: 'HTTP 500', attempt: 1 });
    expect(stderr).toBe('');
    // Every event was acknowledged: the inbox is empty.
    expect((await client.inbox.list()).events).toEqual([]);
  }, 90_000);

  test('two listeners and a slow receiver: leases are extended while forwarding, so no event is forwarded twice', async () => {
    const { client, env } = await organization();
    const secret = `whsec_${Buffer.from(randomUUID()).toString('base64')}`;
    // 10 events × 300 ms = 3 s per lease, longer than its 2 s visibility.
    const r = await receiver(secret, () => 200, 300);
    await client.events.sendMany(Array.from({ length: 40 }, (_, n) => ({ type: 'job', payload: { n } })));
    const args = ['--forward-to', r.url, '--secret', secret, '--batch', '10', '--visibility', '2'];
    const a = listen(args, env);
    const b = listen(args, env);
    await r.accepted(40);
    expect((await stop(a)).code).toBe(0);
    expect((await stop(b)).code).toBe(0);
    expect(r.requests).toHaveLength(40);
    expect(new Set(r.requests.map((q) => q.eventId)).size).toBe(40);
  }, 90_000);

  test('--type forwards only matching events and leaves the others in the inbox', async () => {
    const { client, env } = await organization();
    const secret = `whsec_${Buffer.from(randomUUID()).toString('base64')}`;
    const r = await receiver(secret, () => 204);
    await client.events.sendMany([
      { type: 'order.created', payload: {} },
      { type: 'invoice.paid', payload: {} },
      { type: 'order.paid', payload: {} },
    ]);
    const cli = listen(['--forward-to', r.url, '--secret', secret, '--type', 'order.*'], env);
    await r.accepted(2);
    await stop(cli);
    expect(r.requests.map((q) => q.type).sort()).toEqual(['order.created', 'order.paid']);
    expect((await client.inbox.list()).events.map((e) => e.type)).toEqual(['invoice.paid']);
  }, 60_000);

  test("--subscription signs with that subscription's secret, so a receiver holding it verifies the events", async () => {
    const { client, env } = await organization();
    const subscription = await client.subscriptions.create({ target_url: 'http://127.0.0.1:9/unused', event_types: ['*'] });
    const r = await receiver(subscription.secret, () => 200);
    const sent = await client.events.send({ type: 'order.created', payload: { n: 1 } });
    const cli = listen(['--forward-to', r.url, '--subscription', subscription.id], env);
    await r.accepted(1);
    expect((await stop(cli)).code).toBe(0);
    expect(r.requests).toEqual([{ eventId: sent.id, status: 200, type: 'order.created' }]);
  }, 30_000);

  test('outlasts an API restart: it waits, says so, and forwards what arrives after', async () => {
    const { client, env } = await organization();
    const secret = `whsec_${Buffer.from(randomUUID()).toString('base64')}`;
    const r = await receiver(secret, () => 200);
    // A second API process on a port of its own, stopped and started again on that port.
    const port = String(await freePort());
    let second = await spawnApi(databaseUrl, { PORT: port });
    const cli = startCli(['listen', '--forward-to', r.url, '--secret', secret, '--interval', '1', '--retries', '0'], {
      ...env,
      TRIGGERS_API_URL: second.url,
    });
    running.push(cli);
    await cli.stderrMatches(/^Forwarding events/);
    await second.stop();
    await cli.stderrMatches(/trying again in 1 s/);
    second = await spawnApi(databaseUrl, { PORT: port });
    try {
      const sent = await client.events.send({ type: 'after.restart', payload: {} });
      await r.accepted(1);
      expect(r.requests.map((q) => q.eventId)).toEqual([sent.id]);
      expect((await stop(cli)).code).toBe(0);
    } finally {
      await second.stop();
    }
  }, 60_000);

  test('says which secret it signs with, and exits 2 without --forward-to', async () => {
    const { env } = await organization();
    const r = await receiver('whsec_dW51c2Vk', () => 200);
    const human = startCli(['listen', '--forward-to', r.url, '--interval', '1'], env);
    running.push(human);
    await human.stderrMatches(/^Forwarding events/);
    const { code, stderr } = await stop(human);
    expect(code).toBe(0);
    expect(stderr).toMatch(
      /^Forwarding events to http:\/\/127\.0\.0\.1:\d+\/webhook, signed with a secret made up for this session/,
    );
    const missing = await startCli(['listen'], env).done;
    expect([missing.code, missing.stderr]).toEqual([2, 'triggers: --forward-to is required (see triggers --help)\n']);
  }, 30_000);
});
