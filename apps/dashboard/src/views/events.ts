import { api, type InboxEvent, type InboxPage } from '../api.js';
import { h, replace } from '../dom.js';
import { preview, relative, time } from '../format.js';
import type { View } from '../main.js';
import { every, href, navigate } from '../router.js';
import { badge, field, inlineError, pageTitle, showError, table } from '../ui.js';

const PAGE_SIZE = 25;
const STATUSES: [string, string][] = [
  ['', 'Undelivered (pending and failed)'],
  ['pending', 'Pending'],
  ['failed', 'Failed'],
  ['delivered', 'Delivered'],
];

function rows(events: InboxEvent[]) {
  return events.map((e) => [
    h('a', { href: href(`events/${e.id}`), class: 'event-link' }, h('span', { class: 'type' }, e.type)),
    badge(e.status),
    h('time', { datetime: e.created_at, title: time(e.created_at) }, relative(e.created_at)),
    String(e.attempts),
    h('span', { class: 'clip', title: e.last_error ?? '' }, e.last_error ?? '—'),
    h('code', { class: 'clip payload-preview' }, preview(e.payload)),
  ]);
}

function listing(page: InboxPage): HTMLElement {
  if (page.events.length === 0) return h('p', { class: 'empty' }, 'No events match.');
  return table(['Type', 'Status', 'Received', 'Attempts', 'Last error', 'Payload'], rows(page.events), 'Events');
}

export const eventsView: View = async (route, signal) => {
  const status = route.query.get('status') ?? '';
  const type = route.query.get('type') ?? '';
  const cursor = route.query.get('cursor') ?? undefined;
  // Earlier pages' cursors, so "Previous" can walk back (keyset pages only go forward).
  const trail = (route.query.get('trail') ?? '').split(' ').filter(Boolean);

  const statusSelect = h(
    'select',
    { id: 'filter-status' },
    STATUSES.map(([value, label]) => h('option', { value, selected: value === status }, label)),
  );
  const typeInput = h('input', {
    id: 'filter-type',
    type: 'text',
    value: type,
    placeholder: 'order.created or invoice.*',
    autocomplete: 'off',
  });
  const form = h(
    'form',
    { class: 'filters', role: 'search' },
    field('Status', statusSelect),
    field('Type', typeInput),
    h('button', { type: 'submit' }, 'Apply'),
  );
  form.addEventListener('submit', (event) => {
    event.preventDefault();
    navigate('events', { status: statusSelect.value || undefined, type: typeInput.value.trim() || undefined });
  });

  const load = () => api.inbox({ status: status || undefined, type: type || undefined, limit: PAGE_SIZE, cursor });
  let page: InboxPage;
  const list = h('div', { id: 'event-list', 'aria-live': 'polite' });
  try {
    page = await load();
    replace(list, listing(page));
  } catch (error) {
    page = { events: [], next_cursor: null, has_more: false };
    replace(list, inlineError(error));
  }

  const pager = h('nav', { class: 'pager', 'aria-label': 'Pages' });
  const drawPager = () => {
    const query = { status: status || undefined, type: type || undefined };
    replace(
      pager,
      cursor
        ? h(
            'a',
            {
              class: 'button secondary',
              href: href('events', { ...query, cursor: trail.at(-1), trail: trail.slice(0, -1).join(' ') || undefined }),
            },
            '← Newer',
          )
        : null,
      cursor ? h('a', { class: 'button secondary', href: href('events', query) }, 'Newest') : null,
      page.has_more && page.next_cursor
        ? h(
            'a',
            {
              class: 'button secondary',
              href: href('events', {
                ...query,
                cursor: page.next_cursor,
                trail: [...trail, cursor ?? ''].join(' ').trim() || undefined,
              }),
            },
            'Older →',
          )
        : null,
    );
  };
  drawPager();

  // Live refresh on the newest page only: an older page keeps still while one reads it.
  const live = h('input', { type: 'checkbox', id: 'live', checked: !cursor, disabled: !!cursor });
  const updated = h('span', { class: 'muted', 'aria-live': 'off' });
  every(5_000, signal, async () => {
    if (!live.checked) return;
    try {
      page = await load();
      replace(list, listing(page));
      drawPager();
      updated.textContent = ` updated ${new Date().toLocaleTimeString()}`;
    } catch (error) {
      showError(error);
    }
  });

  return h('div', null, pageTitle('Events', h('label', { class: 'live' }, live, ' Live'), updated), form, list, pager);
};
