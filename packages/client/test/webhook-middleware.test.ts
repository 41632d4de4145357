import { randomBytes, randomUUID } from 'node:crypto';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, test } from '@jest/globals';
import { createTestDatabase } from '@triggers/testing';
import express from 'express';
import { createOrg, enqueueEvent, findEvent } from '../../../apps/worker/test/helpers/fixtures.js';
import { eventually } from '../../../apps/worker/test/helpers/receiver.js';
import { startWorker, type TestWorker } from '../../../apps/worker/test/helpers/worker.js';
import { signWebhook, type WebhookDelivery, type WebhookRequest, webhookHandler, webhookMiddleware } from '../src/index.js';

const newSecret = () => `whsec_${randomBytes(32).toString('base64')}`;

let w: TestWorker;
const servers: http.Server[] = [];

beforeAll(async () => {
  w = await startWorker(await createTestDatabase(), { WEBHOOK_MAX_ATTEMPTS: '2' });
});

afterAll(async () => {
  await w.stop();
  for (const server of servers) {
    server.closeAllConnections();
    await new Promise((resolve) => server.close(resolve));
  }
});

async function listen(listener: http.RequestListener): Promise<string> {
  const server = http.createServer(listener);
  servers.push(server);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return `http://127.0.0.1:${(server.address() as AddressInfo).port}/webhook`;
}

/** An Express app whose POST /webhook is guarded by the middleware and records what the handler got. */
async function expressReceiver(secrets: string | string[]) {
  const received: WebhookDelivery[] = [];
  const app = express();
  app.post('/webhook', webhookMiddleware({ secrets }), (req: WebhookRequest, res) => {
    received.push(req.webhook as WebhookDelivery);
    res.status(204).end();
  });
  return { url: await listen(app), received };
}

async function post(url: string, body: string, headers: Record<string, string>) {
  const res = await fetch(url, { method: 'POST', body, headers: { 'content-type': 'application/json', ...headers } });
  return { status: res.status, body: await res.text() };
}

describe('the Express middleware', () => {
  test("hands the handler the worker's real delivery, parsed and verified", async () => {
    const secret = newSecret();
    const r = await expressReceiver(secret);
    const org = await createOrg(w.database.db, { webhookUrl: r.url, secret });
    const id = await enqueueEvent(w.database.db, w.boss, org.id, { order: 7, note: 'ünïcode' });
    const event = await eventually(async () => {
      const e = await findEvent(w.database.db, id);
      return e.status === 'delivered' ? e : null;
    });
    expect(r.received).toEqual([
      {
        event_id: id,
        type: 'order.created',
        data: { order: 7, note: 'ünïcode' },
        created_at: event.created_at.toISOString(),
        attempt: 1,
      },
    ]);
  });

  test('answers 401 to a delivery signed with another secret, and the handler never runs', async () => {
    const r = await expressReceiver(newSecret());
    const body = JSON.stringify({
      event_id: randomUUID(),
      type: 't',
      data: {},
      created_at: new Date().toISOString(),
      attempt: 1,
    });
    const res = await post(r.url, body, signWebhook({ id: randomUUID(), body, secrets: newSecret() }));
    expect(res.status).toBe(401);
    expect(JSON.parse(res.body)).toEqual({ error: 'No matching webhook signature', code: 'invalid_signature' });
    expect(r.received).toEqual([]);
  });

  test('answers 400 to a request without the Standard Webhooks headers', async () => {
    const r = await expressReceiver(newSecret());
    const res = await post(r.url, '{}', {});
    expect(res.status).toBe(400);
    expect(JSON.parse(res.body).code).toBe('missing_headers');
    expect(r.received).toEqual([]);
  });

  test('verifies a body that express.raw() already read', async () => {
    const secret = newSecret();
    const received: unknown[] = [];
    const app = express();
    app.post('/webhook', express.raw({ type: '*/*' }), webhookMiddleware({ secrets: secret }), (req: WebhookRequest, res) => {
      received.push(req.webhook);
      res.sendStatus(200);
    });
    const url = await listen(app);
    const delivery = { event_id: randomUUID(), type: 't', data: { a: 1 }, created_at: new Date().toISOString(), attempt: 1 };
    const body = JSON.stringify(delivery);
    expect((await post(url, body, signWebhook({ id: delivery.event_id, body, secrets: secret }))).status).toBe(200);
    expect(received).toEqual([delivery]);
  });

  test('passes an error to Express when express.json() consumed the body before it (nothing left to verify)', async () => {
    const secret = newSecret();
    const errors: string[] = [];
    const app = express();
    app.use(express.json());
    app.post('/webhook', webhookMiddleware({ secrets: secret }), (_req, res) => res.sendStatus(200));
    app.use((error: Error, _req: express.Request, res: express.Response, _next: express.NextFunction) => {
      errors.push(error.message);
      res.sendStatus(500);
    });
    const url = await listen(app);
    const body = '{"a":1}';
    expect((await post(url, body, signWebhook({ id: randomUUID(), body, secrets: secret }))).status).toBe(500);
    expect(errors).toEqual([expect.stringContaining('before express.json()')]);
  });
});

describe('the node:http handler', () => {
  test('verifies a real delivery during a secret rotation with only the previous secret', async () => {
    const [current, previous] = [newSecret(), newSecret()];
    const received: WebhookDelivery[] = [];
    const url = await listen(
      webhookHandler({ secrets: [previous] }, (delivery, _req, res) => {
        received.push(delivery);
        res.writeHead(200).end();
      }),
    );
    const org = await createOrg(w.database.db, {
      webhookUrl: url,
      secret: current,
      previousSecret: previous,
      previousExpiresAt: new Date(Date.now() + 3_600_000),
    });
    const id = await enqueueEvent(w.database.db, w.boss, org.id, { n: 1 });
    await eventually(async () => (await findEvent(w.database.db, id)).status === 'delivered');
    expect(received.map((d) => d.event_id)).toEqual([id]);
  });

  test('answers 413 to a body over maxBodyBytes and 500 when the handler throws', async () => {
    const secret = newSecret();
    const url = await listen(
      webhookHandler({ secrets: secret, maxBodyBytes: 100 }, () => {
        throw new Error('handler bug');
      }),
    );
    const big = JSON.stringify({ pad: 'x'.repeat(200) });
    const tooLarge = await post(url, big, signWebhook({ id: randomUUID(), body: big, secrets: secret }));
    expect([tooLarge.status, JSON.parse(tooLarge.body).code]).toEqual([413, 'payload_too_large']);
    const small = '{"a":1}';
    const failed = await post(url, small, signWebhook({ id: randomUUID(), body: small, secrets: secret }));
    expect([failed.status, JSON.parse(failed.body).code]).toEqual([500, 'handler_error']);
  });
});
