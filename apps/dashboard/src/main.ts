import { ApiError, api, type Organization } from './api.js';
import { h, replace } from './dom.js';
import { currentRoute } from './router.js';
import { forgetKey, storedKey, storeKey } from './session.js';
import { clearNotice, describeError, setNoticeRegion, showError } from './ui.js';
import { eventView } from './views/event.js';
import { eventsView } from './views/events.js';
import { overviewView } from './views/overview.js';
import { replayView } from './views/replay.js';
import { subscriptionView } from './views/subscription.js';
import { subscriptionsView } from './views/subscriptions.js';

export type View = (route: ReturnType<typeof currentRoute>, signal: AbortSignal) => Promise<Node>;

const root = document.getElementById('app') as HTMLElement;

function pick(path: string[]): View {
  const [section, id] = path;
  switch (section) {
    case 'events':
      return id ? eventView : eventsView;
    case 'subscriptions':
      return id ? subscriptionView : subscriptionsView;
    case 'replay':
      return replayView;
    default:
      return overviewView;
  }
}

function signIn(refused?: unknown): void {
  document.title = 'Sign in · Triggers dashboard';
  const input = h('input', {
    type: 'password',
    id: 'api-key',
    autocomplete: 'off',
    spellcheck: 'false',
    required: true,
    placeholder: 'zap_live_…',
  });
  const button = h('button', { type: 'submit' }, 'Sign in');
  const message = h('div', { class: 'sign-in-message', 'aria-live': 'polite' });
  if (refused) replace(message, h('p', { class: 'inline-error', role: 'alert' }, ...describeError(refused)));
  const form = h(
    'form',
    { class: 'sign-in', 'aria-labelledby': 'sign-in-title' },
    h('h1', { id: 'sign-in-title' }, 'Triggers dashboard'),
    h(
      'p',
      null,
      'Paste your organization’s API key. It stays in this browser tab only and is forgotten when you sign out or close the tab.',
    ),
    h('div', { class: 'field' }, h('label', { for: 'api-key' }, 'API key'), input),
    button,
    message,
  );
  form.addEventListener('submit', async (event) => {
    event.preventDefault();
    const key = input.value.trim();
    if (!key) return;
    button.disabled = true;
    storeKey(key);
    try {
      const org = await api.organization();
      input.value = '';
      showApp(org);
    } catch (error) {
      if (error instanceof ApiError && error.status === 401) forgetKey();
      replace(message, h('p', { class: 'inline-error', role: 'alert' }, ...describeError(error)));
    } finally {
      button.disabled = false;
    }
  });
  replace(root, h('main', { id: 'main', class: 'sign-in-page' }, form));
  input.focus();
}

function signOut(reason?: unknown): void {
  forgetKey();
  navigationAbort?.abort();
  history.replaceState(null, '', location.pathname);
  signIn(reason);
}

let navigationAbort: AbortController | null = null;

function showApp(org: Organization): void {
  const link = (hash: string, label: string) => h('a', { href: hash, 'data-nav': hash.slice(2) }, label);
  const notices = h('div', { id: 'notices' });
  const content = h('div', { id: 'content' });
  const header = h(
    'header',
    { class: 'top' },
    h('a', { class: 'skip', href: '#main' }, 'Skip to content'),
    h('span', { class: 'brand' }, 'Triggers'),
    h(
      'nav',
      { 'aria-label': 'Sections' },
      link('#/', 'Overview'),
      link('#/events', 'Events'),
      link('#/subscriptions', 'Subscriptions'),
      link('#/replay', 'Replay'),
    ),
    h(
      'div',
      { class: 'account' },
      h('span', { class: 'org', title: `Key ${org.key_prefix}… · ${org.tier}` }, org.organization_name),
      h('button', { type: 'button', class: 'secondary', id: 'sign-out', onclick: () => signOut() }, 'Sign out'),
    ),
  );
  // The skip link targets #main through focus, not the hash (the hash is the router's).
  header.querySelector('.skip')?.addEventListener('click', (event) => {
    event.preventDefault();
    content.querySelector('h1')?.focus();
  });
  replace(root, header, h('main', { id: 'main' }, notices, content));
  setNoticeRegion(notices, (error) => signOut(error));
  void render(content);
}

let rendering = 0;

async function render(content: HTMLElement): Promise<void> {
  if (!storedKey()) return;
  navigationAbort?.abort();
  const controller = new AbortController();
  navigationAbort = controller;
  const route = currentRoute();
  const section = route.path[0] ?? '';
  for (const a of document.querySelectorAll<HTMLAnchorElement>('nav a')) {
    if (a.dataset.nav === section) a.setAttribute('aria-current', 'page');
    else a.removeAttribute('aria-current');
  }
  clearNotice();
  const mine = ++rendering;
  content.setAttribute('aria-busy', 'true');
  try {
    const view = await pick(route.path)(route, controller.signal);
    if (mine !== rendering) return;
    replace(content, view);
    content.querySelector<HTMLElement>('h1')?.focus({ preventScroll: true });
  } catch (error) {
    if (mine !== rendering) return;
    replace(content);
    showError(error);
  } finally {
    if (mine === rendering) content.removeAttribute('aria-busy');
  }
}

window.addEventListener('hashchange', () => {
  const content = document.getElementById('content');
  if (content) void render(content);
});

async function start(): Promise<void> {
  if (!storedKey()) return signIn();
  try {
    showApp(await api.organization());
  } catch (error) {
    if (error instanceof ApiError && error.status === 401) return signOut(error);
    replace(root, h('main', { id: 'main' }, h('p', { class: 'inline-error', role: 'alert' }, ...describeError(error))));
  }
}

void start();
