/**
 * `npm run screenshots`: a screenshot of each dashboard page, at a laptop's and a phone's width,
 * into docs/screenshots/. Runs like the browser tests (a real API and worker on a fresh test
 * database, Debian's Chromium) over an organization with an hour of made-up traffic. Not part of
 * `npm test`: Jest runs this file only when asked to by name.
 */
import { mkdirSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, expect, test } from '@jest/globals';
import { uuidv7 } from '@triggers/db';
import pg from 'pg';
import type { Page } from 'playwright-core';
import { eventually, type Receiver, startReceiver } from '../../worker/test/helpers/receiver.js';
import { callApi, describeInBrowser, type Org, openPage, type Stack, signIn, signUp, startStack } from './helpers/stack.js';

const OUT = fileURLToPath(new URL('../../../docs/screenshots/', import.meta.url));
const LAPTOP = { width: 1280, height: 800 };
const PHONE = { width: 390, height: 844 };

let stack: Stack;
let receiver: Receiver;
let org: Org;
let failedEventId: string;
let subscriptionId: string;

/** An hour of traffic, minute by minute, written straight to the database (the API stamps only "now"). */
async function seedHistory(orgId: string): Promise<void> {
  const client = new pg.Client({ connectionString: stack.databaseUrl });
  await client.connect();
  try {
    const types = ['order.created', 'order.paid', 'invoice.paid', 'customer.updated'];
    const ids: string[] = [];
    const rows: [string, string, string, Date][] = [];
    for (let minute = 59; minute >= 1; minute--) {
      const perMinute = 8 + Math.round(6 * Math.sin(minute / 6) + 4 * Math.cos(minute / 2.5)) + (minute < 20 ? 6 : 0);
      for (let i = 0; i < perMinute; i++) {
        const id = uuidv7();
        ids.push(id);
        const at = new Date(Date.now() - minute * 60_000 + i * 1000);
        rows.push([id, types[(minute + i) % types.length] as string, JSON.stringify({ seq: rows.length, minute }), at]);
      }
    }
    await client.query(
      `INSERT INTO events (id, org_id, type, payload, status, attempts, created_at, delivered_at)
       SELECT id, $1, type, payload, 'delivered', 1, at, at FROM unnest($2::uuid[], $3::text[], $4::jsonb[], $5::timestamptz[]) AS r(id, type, payload, at)`,
      [orgId, rows.map((r) => r[0]), rows.map((r) => r[1]), rows.map((r) => r[2]), rows.map((r) => r[3])],
    );
    // Attempts: nearly all succeed, except for a receiver outage twenty-five minutes ago.
    await client.query(
      `INSERT INTO delivery_attempts (event_id, attempt, status_code, error, duration_ms, attempted_at)
       SELECT e.id, 1,
         CASE WHEN e.created_at BETWEEN now() - interval '27 minutes' AND now() - interval '22 minutes' AND (e.payload->>'seq')::int % 3 <> 0 THEN 503 ELSE 200 END,
         CASE WHEN e.created_at BETWEEN now() - interval '27 minutes' AND now() - interval '22 minutes' AND (e.payload->>'seq')::int % 3 <> 0 THEN 'HTTP 503: maintenance' END,
         40 + (e.payload->>'seq')::int % 60, e.created_at + interval '150 milliseconds'
       FROM events e WHERE e.org_id = $1`,
      [orgId],
    );
  } finally {
    await client.end();
  }
}

/** The whole page, or only the first screenful (a phone's long list). */
async function shoot(page: Page, name: string, fullPage = true): Promise<void> {
  await page.evaluate('document.fonts.ready');
  await page.screenshot({ path: `${OUT}${name}.png`, fullPage });
}

/** Subscriptions like a small shop's: one healthy, one failing, one paused, one disabled by a 410. */
async function seedSubscriptions(): Promise<void> {
  const create = (target: string, eventTypes: string[], description: string) =>
    callApi<{ id: string }>(stack, org.key, 'POST', '/api/subscriptions', {
      target_url: `${receiver.url}/${target}`,
      event_types: eventTypes,
      description,
    });
  await create('crm', ['customer.*'], 'Legacy CRM');
  const analytics = await create('analytics', ['*'], 'Analytics warehouse');
  await callApi(stack, org.key, 'PATCH', `/api/subscriptions/${analytics.id}`, { status: 'paused' });
  await create('billing', ['invoice.*'], 'Billing service');
  subscriptionId = (await create('orders', ['order.created', 'order.paid'], 'Order fulfilment')).id;
}

beforeAll(async () => {
  mkdirSync(OUT, { recursive: true });
  stack = await startStack();
  // Billing fails, the CRM is gone (410), everything else is accepted.
  receiver = await startReceiver((request) =>
    request.url.endsWith('/billing')
      ? { status: 500, body: 'upstream timeout' }
      : request.url.endsWith('/crm')
        ? { status: 410, body: 'gone' }
        : { status: 204 },
  );
  org = await signUp(stack, 'pro', 'Acme Shop');
  await seedHistory(org.id);
  await seedSubscriptions();
  const send = (type: string, payload: Record<string, unknown>) =>
    callApi<{ id: string }>(stack, org.key, 'POST', '/api/events', { type, payload });
  await send('order.created', {
    order_id: 1042,
    customer: { id: 'cus_81', email: 'ada@example.com' },
    total: 129.5,
    currency: 'EUR',
  });
  failedEventId = (await send('invoice.paid', { invoice_id: 'in_7731', amount_due: 4900, lines: [{ sku: 'PRO-M', qty: 1 }] })).id;
  await send('customer.updated', { customer_id: 'cus_81', changes: { plan: ['free', 'pro'] } });
  // Its delivery to Billing fails for good (the paused Analytics one waits).
  await eventually(async () => {
    const event = await callApi<{ deliveries: { status: string }[] }>(stack, org.key, 'GET', `/api/events/${failedEventId}`);
    return event.deliveries.some((d) => d.status === 'failed');
  });
}, 180_000);

afterAll(async () => {
  await receiver?.close();
  await stack?.close();
});

describeInBrowser('screenshots', () => {
  test('of each page, at a laptop’s and a phone’s width', async () => {
    for (const [suffix, viewport] of [
      ['', LAPTOP],
      ['-phone', PHONE],
    ] as const) {
      const { context, page } = await openPage(stack, viewport);
      await page.goto(`${stack.apiUrl}/dashboard`);
      await page.getByLabel('API key').waitFor();
      if (suffix === '') await shoot(page, 'sign-in');
      await signIn(stack, page, org.key);
      await page.locator('.tiles').waitFor();
      await page.locator('figure svg rect').first().waitFor();
      await shoot(page, `overview${suffix}`);
      await page.goto(`${stack.apiUrl}/dashboard#/events?status=delivered`);
      await page.locator('#event-list a').first().waitFor();
      await shoot(page, `events${suffix}`, suffix === '');
      await page.goto(`${stack.apiUrl}/dashboard#/events/${failedEventId}`);
      await page.locator('pre.payload').waitFor();
      await page.getByRole('heading', { name: 'Deliveries' }).waitFor();
      await shoot(page, `event${suffix}`);
      await page.goto(`${stack.apiUrl}/dashboard#/subscriptions`);
      await page.getByRole('link', { name: /\/orders$/ }).waitFor();
      await shoot(page, `subscriptions${suffix}`);
      if (suffix === '') {
        await page.goto(`${stack.apiUrl}/dashboard#/subscriptions/${subscriptionId}`);
        await page.getByRole('button', { name: 'Reveal secret' }).click();
        await page.locator('#secret-value').waitFor();
        await shoot(page, 'subscription');
        await page.goto(`${stack.apiUrl}/dashboard#/replay`);
        await page.getByLabel('Type pattern').fill('invoice.*');
        await page.getByLabel('Subscription').selectOption({ label: `Billing service — ${receiver.url}/billing` });
        await page.getByRole('button', { name: 'Count events' }).click();
        await page.locator('#replay-count').waitFor();
        await shoot(page, 'replay');
      }
      await context.close();
    }
    expect(stack.cspViolations).toEqual([]);
  }, 120_000);
});
