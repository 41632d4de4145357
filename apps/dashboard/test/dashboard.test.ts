import { afterAll, afterEach, beforeAll, expect, test } from '@jest/globals';
// Page-side expressions are passed as strings: these tests are compiled without the DOM's types.
import type { BrowserContext, Page } from 'playwright-core';
import { eventually, type Receiver, startReceiver } from '../../worker/test/helpers/receiver.js';
import { callApi, describeInBrowser, openPage, SHOWS_UP_MS, type Stack, signIn, signUp, startStack } from './helpers/stack.js';

let stack: Stack;
let receiver: Receiver;
let receiverHealthy = false;
const contexts: BrowserContext[] = [];

beforeAll(async () => {
  stack = await startStack();
  receiver = await startReceiver(() => (receiverHealthy ? { status: 200 } : { status: 500, body: 'receiver is down' }));
}, 120_000);

afterEach(async () => {
  await Promise.all(contexts.splice(0).map((c) => c.close()));
  expect(stack.cspViolations).toEqual([]);
});

afterAll(async () => {
  await receiver?.close();
  await stack?.close();
});

async function page(viewport?: { width: number; height: number }): Promise<Page> {
  const opened = await openPage(stack, viewport);
  contexts.push(opened.context);
  return opened.page;
}

const sendEvent = (key: string, type: string, payload: Record<string, unknown>) =>
  callApi<{ id: string }>(stack, key, 'POST', '/api/events', { type, payload });

describeInBrowser('the dashboard in a browser', () => {
  test('a wrong key shows the API’s own error and request id; the right key opens the overview', async () => {
    const org = await signUp(stack);
    const p = await page();
    await p.goto(`${stack.apiUrl}/dashboard`);
    await p.getByLabel('API key').fill('zap_live_not_a_real_key_at_all_0123456789');
    await p.getByRole('button', { name: 'Sign in' }).click();
    const refusal = p.getByRole('alert');
    await refusal.getByText('Invalid API key').waitFor();
    expect(await refusal.textContent()).toMatch(/Request ID: [\w-]+/);
    expect(await p.evaluate<number>('sessionStorage.length')).toBe(0);

    await p.getByLabel('API key').fill(org.key);
    await p.getByRole('button', { name: 'Sign in' }).click();
    await p.getByRole('heading', { name: 'Overview' }).waitFor();
    await p.getByText(org.name).waitFor();
    expect(p.url()).not.toContain(org.key);
  });

  test('an event ingested while the events page is open appears in its table by itself; a type pattern filters it', async () => {
    const org = await signUp(stack);
    const p = await page();
    await signIn(stack, p, org.key, '#/events');
    await p.getByText('No events match.').waitFor();
    await sendEvent(org.key, 'order.created', { order_id: 1001 });
    await p.locator('#event-list').getByRole('link', { name: 'order.created' }).waitFor({ timeout: SHOWS_UP_MS });
    expect(await p.locator('#event-list').textContent()).toContain('"order_id":1001');

    // The filters: a type pattern narrows the table, and stays in the URL.
    await sendEvent(org.key, 'invoice.paid', { invoice: 'inv_9' });
    await p.locator('#event-list').getByRole('link', { name: 'invoice.paid' }).waitFor();
    await p.getByLabel('Type').fill('order.*');
    await p.getByRole('button', { name: 'Apply' }).click();
    await p.waitForURL(/type=order\.\*/);
    await p.locator('#event-list').getByRole('link', { name: 'invoice.paid' }).waitFor({ state: 'detached' });
    expect(await p.locator('#event-list a').allTextContents()).toEqual(['order.created']);
  });

  test('an event whose receiver answers 500 shows its failed attempts; Redeliver after it recovers shows it delivered', async () => {
    const org = await signUp(stack);
    await callApi(stack, org.key, 'POST', '/api/webhook/config', { webhook_url: receiver.url });
    receiverHealthy = false;
    const { id } = await sendEvent(org.key, 'invoice.paid', { invoice: 'inv_1' });
    // Both attempts fail (WEBHOOK_MAX_ATTEMPTS=2) within seconds.
    await eventually(
      async () => (await callApi<{ status: string }>(stack, org.key, 'GET', `/api/events/${id}`)).status === 'failed',
    );
    const p = await page();
    await signIn(stack, p, org.key, '#/events?status=failed');
    await p.locator('#event-list').getByRole('link', { name: 'invoice.paid' }).click();
    await p.getByRole('heading', { name: 'invoice.paid' }).waitFor();
    expect(p.url()).toContain(`#/events/${id}`);
    const attempts = p.locator('section', { has: p.getByRole('heading', { name: 'Attempts' }) });
    await attempts.getByText('HTTP 500: receiver is down').first().waitFor();
    expect(await attempts.getByText('500', { exact: true }).count()).toBe(2);

    receiverHealthy = true;
    await p.getByRole('button', { name: 'Redeliver', exact: true }).click();
    await p.getByText('Redelivery queued.').waitFor();
    await p.locator('.facts').getByText('delivered', { exact: true }).waitFor({ timeout: SHOWS_UP_MS });
    await attempts.getByText('200', { exact: true }).waitFor();
    expect(receiver.requests.at(-1)?.headers['x-event-id']).toBe(id);
  });

  test('a payload holding a <script> is shown as text, in the table and on the event page, and never runs', async () => {
    const org = await signUp(stack);
    const attack = '<script>window.__pwned = true</script><img src=x onerror="window.__pwned = true">';
    const { id } = await sendEvent(org.key, 'xss.<b>bold</b>', { note: attack });
    const p = await page();
    await signIn(stack, p, org.key, '#/events');
    const link = p.locator('#event-list').getByRole('link', { name: 'xss.<b>bold</b>' });
    await link.waitFor();
    expect(await p.locator('#event-list').textContent()).toContain('<script>window.__pwned = true</script>');
    await link.click();
    await p.locator('pre.payload').waitFor();
    expect(JSON.parse((await p.locator('pre.payload').textContent()) ?? '')).toEqual({ note: attack });
    expect(p.url()).toContain(id);
    expect(await p.locator('main script, main img, main b').count()).toBe(0);
    expect(await p.evaluate<unknown>('window.__pwned')).toBeUndefined();
  });

  test('Acknowledge on an event’s page marks it delivered and acknowledged', async () => {
    const org = await signUp(stack);
    const { id } = await sendEvent(org.key, 'inbox.only', { n: 1 });
    const p = await page();
    await signIn(stack, p, org.key, `#/events/${id}`);
    await p.locator('.facts').getByText('pending', { exact: true }).waitFor();
    await p.getByRole('button', { name: 'Acknowledge' }).click();
    await p.getByText('Event acknowledged').waitFor();
    await p.locator('.facts').getByText('delivered', { exact: true }).waitFor();
    expect(await p.getByRole('button', { name: 'Acknowledge' }).isDisabled()).toBe(true);
    const stored = await callApi<{ status: string; acknowledged_at: string | null }>(stack, org.key, 'GET', `/api/events/${id}`);
    expect(stored.status).toBe('delivered');
    expect(stored.acknowledged_at).not.toBeNull();
  });

  test('sign-out forgets the key: nothing kept in the tab or in localStorage, and a reload asks for it again', async () => {
    const org = await signUp(stack);
    const p = await page();
    await signIn(stack, p, org.key);
    expect(await p.evaluate<string[]>('Object.values(sessionStorage)')).toEqual([org.key]);
    expect(await p.evaluate<number>('localStorage.length')).toBe(0);
    await p.getByRole('button', { name: 'Sign out' }).click();
    await p.getByLabel('API key').waitFor();
    expect(await p.evaluate<number>('sessionStorage.length + localStorage.length')).toBe(0);
    await p.reload();
    await p.getByLabel('API key').waitFor();
    expect(await p.getByRole('button', { name: 'Sign out' }).count()).toBe(0);
  });

  test('a rate-limited request shows the API’s sentence and when to try again', async () => {
    const org = await signUp(stack, 'free');
    const p = await page();
    await signIn(stack, p, org.key, '#/replay');
    // Spend the rest of the minute's requests budget from outside the browser.
    for (let i = 0; i < 200; i++) {
      const res = await fetch(`${stack.apiUrl}/api/inbox?limit=1`, { headers: { 'X-API-Key': org.key } });
      await res.arrayBuffer();
      if (res.status === 429) break;
    }
    await p.getByRole('link', { name: 'Events' }).click();
    const message = p.getByText('Rate limit exceeded');
    await message.waitFor();
    expect(await p.locator('main').textContent()).toMatch(
      /Rate limit exceeded Try again in \d+ s \(at [^)]+\)\. Request ID: \S+/,
    );
  });

  test('the overview draws the hour’s events and delivery success rate', async () => {
    const org = await signUp(stack);
    await Promise.all([1, 2, 3].map((n) => sendEvent(org.key, 'metric.tick', { n })));
    const p = await page();
    await signIn(stack, p, org.key);
    await p.getByText('events in 1h').waitFor();
    expect(await p.locator('.tile').first().textContent()).toBe('3events in 1h');
    expect(await p.locator('figure svg[role="img"]').count()).toBe(2);
    expect(await p.locator('figure').first().getAttribute('class')).toBe('chart-box');
    expect(await p.getByRole('img', { name: '3 events in the last 1h' }).count()).toBe(1);
  });

  test('on a phone’s width a long type, URL and payload wrap inside the screen', async () => {
    const org = await signUp(stack);
    const long = 'x'.repeat(600);
    const { id } = await sendEvent(org.key, `very.long.${'segment'.repeat(30)}`, { url: `https://example.com/${long}`, long });
    const p = await page({ width: 390, height: 844 });
    await signIn(stack, p, org.key, '#/events');
    await p.locator('#event-list a').first().waitFor();
    const overflow = () => p.evaluate<number>('document.documentElement.scrollWidth - window.innerWidth');
    expect(await overflow()).toBeLessThanOrEqual(0);
    await p.goto(`${stack.apiUrl}/dashboard#/events/${id}`);
    await p.locator('pre.payload').waitFor();
    expect(await overflow()).toBeLessThanOrEqual(0);
  });

  test('the keyboard alone signs in and moves between sections', async () => {
    const org = await signUp(stack);
    const p = await page();
    await p.goto(`${stack.apiUrl}/dashboard`);
    expect(await p.evaluate<string>('document.activeElement?.id')).toBe('api-key');
    await p.keyboard.insertText(org.key);
    await p.keyboard.press('Enter');
    await p.getByRole('heading', { name: 'Overview' }).waitFor();
    // Each page focuses its heading; the header is just before it, in this order.
    const names: string[] = [];
    for (let i = 0; i < 6; i++) {
      await p.keyboard.press('Shift+Tab');
      names.push(await p.evaluate<string>("document.activeElement?.textContent?.trim() ?? ''"));
    }
    expect(names).toEqual(['Sign out', 'Replay', 'Subscriptions', 'Events', 'Overview', 'Skip to content']);
    await p.keyboard.press('Tab');
    await p.keyboard.press('Tab');
    await p.keyboard.press('Enter');
    await p.getByRole('heading', { name: 'Events' }).waitFor();
  });
});
