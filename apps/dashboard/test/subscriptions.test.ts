import { afterAll, afterEach, beforeAll, expect, test } from '@jest/globals';
import type { BrowserContext, Page } from 'playwright-core';
import { eventually, type Receiver, startReceiver } from '../../worker/test/helpers/receiver.js';
import { callApi, describeInBrowser, type Org, openPage, type Stack, signIn, signUp, startStack } from './helpers/stack.js';

let stack: Stack;
let receiver: Receiver;
let gone: Receiver;
const contexts: BrowserContext[] = [];

beforeAll(async () => {
  stack = await startStack();
  receiver = await startReceiver(() => ({ status: 204 }));
  gone = await startReceiver(() => ({ status: 410, body: 'no longer here' }));
}, 120_000);

afterEach(async () => {
  await Promise.all(contexts.splice(0).map((c) => c.close()));
  expect(stack.cspViolations).toEqual([]);
});

afterAll(async () => {
  await receiver?.close();
  await gone?.close();
  await stack?.close();
});

async function signedIn(org: Org, hash: string): Promise<Page> {
  const opened = await openPage(stack);
  contexts.push(opened.context);
  await signIn(stack, opened.page, org.key, hash);
  return opened.page;
}

interface Subscription {
  id: string;
  target_url: string;
  event_types: string[];
  status: string;
  description: string | null;
}

const subscriptionsOf = async (org: Org) =>
  (await callApi<{ subscriptions: Subscription[] }>(stack, org.key, 'GET', '/api/subscriptions')).subscriptions;

describeInBrowser('subscriptions and replay in the dashboard', () => {
  test('creates a subscription from the form, edits, pauses and resumes it, then deletes it', async () => {
    const org = await signUp(stack);
    const p = await signedIn(org, '#/subscriptions');
    await p.getByText('No subscriptions yet').waitFor();
    await p.getByRole('link', { name: 'New subscription' }).click();
    await p.getByLabel('Target URL').fill(receiver.url);
    await p.getByLabel('Event types').fill('order.created\ninvoice.*');
    await p.getByLabel('Description (optional)').fill('Orders and invoices');
    await p.getByRole('button', { name: 'Create subscription' }).click();
    await p.getByText('Subscription created.').waitFor();
    const [created] = await subscriptionsOf(org);
    expect(created).toMatchObject({ target_url: receiver.url, event_types: ['order.created', 'invoice.*'], status: 'active' });
    expect(p.url()).toContain(`#/subscriptions/${created?.id}`);

    await p.getByRole('link', { name: 'Edit' }).click();
    await p.getByLabel('Event types').fill('order.*');
    await p.getByRole('button', { name: 'Save changes' }).click();
    await p.getByRole('heading', { name: 'Subscription' }).waitFor();
    await p.locator('.facts').getByText('order.*').waitFor();

    await p.getByRole('button', { name: 'Pause' }).click();
    await p.getByRole('button', { name: 'Resume' }).waitFor();
    expect((await subscriptionsOf(org))[0]?.status).toBe('paused');
    await p.getByRole('button', { name: 'Resume' }).click();
    await p.getByRole('button', { name: 'Pause' }).waitFor();
    expect((await subscriptionsOf(org))[0]?.status).toBe('active');

    await p.getByRole('button', { name: 'Delete', exact: true }).click();
    await p.getByRole('button', { name: 'Delete subscription' }).click();
    await p.getByText('No subscriptions yet').waitFor();
    expect(await subscriptionsOf(org)).toEqual([]);
  });

  test('a refused URL shows the API’s validation sentence; nothing is created', async () => {
    const org = await signUp(stack);
    const p = await signedIn(org, '#/subscriptions/new');
    await p.getByLabel('Target URL').fill('https://user:secret@example.com/hooks');
    await p.getByRole('button', { name: 'Create subscription' }).click();
    const alert = p.getByRole('alert');
    await alert.getByText(/Validation failed: target_url/).waitFor();
    expect(await alert.textContent()).toMatch(/Request ID: \S+/);
    expect(await subscriptionsOf(org)).toEqual([]);
  });

  test('reveals the signing secret, rotates it, and sends a test event that its receiver gets', async () => {
    const org = await signUp(stack);
    const sub = await callApi<Subscription & { secret: string }>(stack, org.key, 'POST', '/api/subscriptions', {
      target_url: receiver.url,
      event_types: ['billing.*'],
    });
    const p = await signedIn(org, `#/subscriptions/${sub.id}`);
    await p.getByRole('button', { name: 'Reveal secret' }).click();
    await p.locator('#secret-value').getByText(sub.secret).waitFor();

    await p.getByRole('button', { name: 'Rotate secret' }).click();
    await p.getByRole('group').getByRole('button', { name: 'Rotate secret' }).click();
    await p.getByText(/The previous secret is accepted until/).waitFor();
    const rotated = await p.locator('#secret-value').textContent();
    expect(rotated).toMatch(/^whsec_/);
    expect(rotated).not.toBe(sub.secret);
    expect(await callApi<{ secret: string }>(stack, org.key, 'GET', `/api/subscriptions/${sub.id}/secret`)).toEqual({
      secret: rotated,
    });

    const before = receiver.requests.length;
    await p.getByRole('button', { name: 'Send test event' }).click();
    await p.getByText(/Test event triggers\.test sent/).waitFor();
    const requests = await receiver.waitFor(before + 1);
    const test = requests.slice(before).find((r) => r.headers['x-subscription-id'] === sub.id);
    expect(test?.headers['x-event-type']).toBe('triggers.test');
  });

  test('a subscription disabled by a 410 is shown as failing on the overview and is re-enabled with one button', async () => {
    const org = await signUp(stack);
    const sub = await callApi<Subscription>(stack, org.key, 'POST', '/api/subscriptions', {
      target_url: gone.url,
      event_types: ['*'],
    });
    await callApi(stack, org.key, 'POST', '/api/events', { type: 'order.created', payload: {} });
    await eventually(
      async () => (await callApi<Subscription>(stack, org.key, 'GET', `/api/subscriptions/${sub.id}`)).status === 'disabled',
    );

    const p = await signedIn(org, '');
    const troubled = p.locator('.troubled');
    await troubled.getByRole('link', { name: gone.url }).click();
    await p.locator('.facts .badge-disabled').waitFor();
    expect(await p.locator('.facts').textContent()).toContain('gone');
    await p.getByRole('button', { name: 'Re-enable' }).click();
    await p.getByText('Enabled again.').waitFor();
    expect((await callApi<Subscription>(stack, org.key, 'GET', `/api/subscriptions/${sub.id}`)).status).toBe('active');
  });

  test('replay shows how many events match before it sends anything, then delivers them again', async () => {
    const org = await signUp(stack);
    const sub = await callApi<Subscription>(stack, org.key, 'POST', '/api/subscriptions', {
      target_url: receiver.url,
      event_types: ['replay.*'],
      description: 'Replay target',
    });
    const ids: string[] = [];
    for (const type of ['replay.one', 'replay.two', 'other.thing']) {
      ids.push((await callApi<{ id: string }>(stack, org.key, 'POST', '/api/events', { type, payload: {} })).id);
    }
    const deliveredTo = () => receiver.requests.filter((r) => r.headers['x-subscription-id'] === sub.id).length;
    await eventually(async () => deliveredTo() === 2);

    const p = await signedIn(org, '#/replay');
    await p.getByLabel('Type pattern').fill('replay.*');
    await p.getByLabel('Subscription').selectOption({ label: `Replay target — ${receiver.url}` });
    await p.getByRole('button', { name: 'Count events' }).click();
    await p
      .locator('#replay-count')
      .getByText(/^2 events from /)
      .waitFor();
    expect(deliveredTo()).toBe(2);

    await p.getByRole('button', { name: 'Replay 2 events' }).click();
    await p.locator('#replay-done').getByText('2 events queued for delivery again.').waitFor();
    await eventually(async () => deliveredTo() === 4);
  });
});
