import { api, type Subscription } from '../api.js';
import { h } from '../dom.js';
import { time } from '../format.js';
import type { View } from '../main.js';
import { href } from '../router.js';
import { badge, pageTitle, table } from '../ui.js';

export function statusBadges(s: Subscription): HTMLElement[] {
  const badges = [badge(s.status)];
  if (s.disabled_reason) badges.push(h('span', { class: 'muted' }, ` ${s.disabled_reason}`));
  if (s.circuit && s.circuit.state !== 'closed') badges.push(badge(`circuit_${s.circuit.state}`));
  return badges;
}

export function patterns(s: Subscription): HTMLElement {
  return h(
    'ul',
    { class: 'chips' },
    s.event_types.map((t) => h('li', null, h('code', null, t))),
  );
}

export const subscriptionsView: View = async () => {
  const all: Subscription[] = [];
  let cursor: string | undefined;
  // An organization has at most 100 subscriptions: one page, two at most.
  do {
    const page = await api.subscriptions(cursor);
    all.push(...page.subscriptions);
    cursor = page.has_more && page.next_cursor ? page.next_cursor : undefined;
  } while (cursor);

  const list =
    all.length === 0
      ? h('p', { class: 'empty' }, 'No subscriptions yet: events wait in the inbox until one matches.')
      : table(
          ['Target URL', 'Event types', 'Status', 'Description', 'Created'],
          all.map((s) => [
            h('a', { href: href(`subscriptions/${s.id}`), class: 'url' }, s.target_url),
            patterns(s),
            h('span', null, statusBadges(s)),
            h('span', { class: 'wrap' }, s.description ?? ''),
            time(s.created_at),
          ]),
          'Subscriptions',
        );
  return h(
    'div',
    null,
    pageTitle(
      'Subscriptions',
      h('a', { class: 'button', href: href('subscriptions/new'), id: 'new-subscription' }, 'New subscription'),
    ),
    list,
  );
};
