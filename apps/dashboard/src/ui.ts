import { ApiError } from './api.js';
import { type Child, h, replace } from './dom.js';

let noticeRegion: HTMLElement | null = null;
let onKeyRefused: (error: ApiError) => void = () => {};

/** Where errors and confirmations appear (one live region for the whole page). */
export function setNoticeRegion(region: HTMLElement, keyRefused: (error: ApiError) => void): void {
  noticeRegion = region;
  onKeyRefused = keyRefused;
}

/** The sentence the dashboard shows for an error: the API's own, its request id, a rate limit's retry time. */
export function describeError(error: unknown): Child[] {
  if (!(error instanceof ApiError)) return [error instanceof Error ? error.message : String(error)];
  const parts: Child[] = [error.message];
  if (error.details.length > 0) parts.push(`: ${error.details.map((d) => d.message).join('; ')}`);
  if (error.retryAfter !== null) {
    const at = new Date(Date.now() + error.retryAfter * 1000).toLocaleTimeString();
    parts.push(
      h('span', { class: 'retry', 'data-retry-after': error.retryAfter }, ` Try again in ${error.retryAfter} s (at ${at}).`),
    );
  }
  if (error.requestId) parts.push(' ', h('span', { class: 'request-id' }, `Request ID: ${error.requestId}`));
  return parts;
}

export function showError(error: unknown): void {
  if (error instanceof ApiError && error.status === 401) {
    onKeyRefused(error);
    return;
  }
  if (!noticeRegion) return;
  replace(
    noticeRegion,
    h(
      'div',
      { class: 'notice error', role: 'alert' },
      h('p', null, ...describeError(error)),
      h('button', { type: 'button', class: 'link', onclick: () => clearNotice() }, 'Dismiss'),
    ),
  );
}

export function showInfo(...message: Child[]): void {
  if (!noticeRegion) return;
  replace(
    noticeRegion,
    h(
      'div',
      { class: 'notice info', role: 'status' },
      h('p', null, ...message),
      h('button', { type: 'button', class: 'link', onclick: () => clearNotice() }, 'Dismiss'),
    ),
  );
}

export function clearNotice(): void {
  if (noticeRegion) replace(noticeRegion);
}

/**
 * Runs an action from a button: the button is disabled while it runs, an error is shown as the
 * API gave it. Resolves to the action's result, or undefined when it failed.
 */
export async function act<T>(button: HTMLButtonElement | null, action: () => Promise<T>): Promise<T | undefined> {
  if (button) button.disabled = true;
  try {
    const result = await action();
    return result;
  } catch (error) {
    showError(error);
    return undefined;
  } finally {
    if (button) button.disabled = false;
  }
}

export function badge(status: string): HTMLElement {
  return h('span', { class: `badge badge-${status}` }, status.replace('_', ' '));
}

/** A table that scrolls sideways on its own and turns into labelled rows on a phone. */
export function table(headers: string[], rows: Child[][], caption?: string): HTMLElement {
  return h(
    'div',
    { class: 'table-wrap' },
    h(
      'table',
      { class: 'responsive' },
      caption ? h('caption', { class: 'visually-hidden' }, caption) : null,
      h(
        'thead',
        null,
        h(
          'tr',
          null,
          headers.map((name) => h('th', { scope: 'col' }, name)),
        ),
      ),
      h(
        'tbody',
        null,
        rows.map((cells) =>
          h(
            'tr',
            null,
            cells.map((cell, i) => h('td', { 'data-label': headers[i] ?? '' }, cell)),
          ),
        ),
      ),
    ),
  );
}

export function field(label: string, control: HTMLElement, hint?: string): HTMLElement {
  const id = control.id || `f-${Math.random().toString(36).slice(2)}`;
  control.id = id;
  const hintId = hint ? `${id}-hint` : undefined;
  if (hintId) control.setAttribute('aria-describedby', hintId);
  return h(
    'div',
    { class: 'field' },
    h('label', { for: id }, label),
    control,
    hint ? h('p', { class: 'hint', id: hintId }, hint) : null,
  );
}

export function pageTitle(title: string, ...actions: Child[]): HTMLElement {
  document.title = `${title} · Triggers dashboard`;
  return h(
    'div',
    { class: 'page-head' },
    h('h1', { tabindex: -1 }, title),
    actions.length ? h('div', { class: 'actions' }, actions) : null,
  );
}

/** An inline "are you sure" step for destructive actions, keyboard reachable, no window.confirm. */
export function confirmStep(question: string, confirmLabel: string, onConfirm: (button: HTMLButtonElement) => void): HTMLElement {
  const box = h('div', { class: 'confirm', role: 'group', 'aria-label': question });
  const yes = h('button', { type: 'button', class: 'danger' }, confirmLabel);
  yes.addEventListener('click', () => onConfirm(yes));
  const no = h('button', { type: 'button', class: 'secondary', onclick: () => box.remove() }, 'Cancel');
  replace(box, h('p', null, question), h('div', { class: 'actions' }, yes, no));
  queueMicrotask(() => no.focus());
  return box;
}

/** A section that failed to load on its own, without taking the page down. */
export function inlineError(error: unknown): HTMLElement {
  return h('p', { class: 'inline-error', role: 'alert' }, ...describeError(error));
}
