import { type Attempt, api, type Delivery, type EventDetail, type Subscription } from '../api.js';
import { h, replace } from '../dom.js';
import { relative, time } from '../format.js';
import type { View } from '../main.js';
import { href, poll } from '../router.js';
import { act, badge, pageTitle, showInfo, table } from '../ui.js';

function subscriptionCell(id: string | null | undefined, subscriptions: Map<string, Subscription>) {
  if (!id) return '—';
  const sub = subscriptions.get(id);
  return h('a', { href: href(`subscriptions/${id}`), class: 'url' }, sub ? sub.target_url : id);
}

function summary(e: EventDetail): HTMLElement {
  const item = (term: string, value: Node | string) => [h('dt', null, term), h('dd', null, value)];
  return h(
    'dl',
    { class: 'facts' },
    item('Status', badge(e.status)),
    item('Event ID', h('code', null, e.id)),
    item('Type', h('code', null, e.type)),
    item('Received', time(e.created_at)),
    item('Delivered', time(e.delivered_at)),
    item('Acknowledged', time(e.acknowledged_at)),
    item('Dedup ID', e.dedup_id ? h('code', null, e.dedup_id) : '—'),
    item('Attempts', String(e.attempts)),
    item('Last error', e.last_error ?? '—'),
  );
}

function deliveries(
  e: EventDetail,
  subscriptions: Map<string, Subscription>,
  redeliver: (subscriptionId: string, button: HTMLButtonElement) => void,
) {
  const list = e.deliveries ?? [];
  if (list.length === 0) return h('p', { class: 'muted' }, 'No subscription matched this event: it waits in the inbox.');
  return table(
    ['Subscription', 'Status', 'Attempts', 'Next retry', 'Delivered', 'Last error', ''],
    list.map((d: Delivery) => {
      const target = subscriptions.get(d.subscription_id)?.target_url ?? d.subscription_id;
      const button = h(
        'button',
        { type: 'button', class: 'secondary small', 'aria-label': `Redeliver to ${target}` },
        'Redeliver',
      );
      button.addEventListener('click', () => redeliver(d.subscription_id, button));
      return [
        subscriptionCell(d.subscription_id, subscriptions),
        badge(d.status),
        String(d.attempts),
        d.status === 'pending' && d.next_attempt_at
          ? h('time', { datetime: d.next_attempt_at, title: time(d.next_attempt_at) }, relative(d.next_attempt_at))
          : '—',
        time(d.delivered_at),
        h('span', { class: 'wrap' }, d.last_error ?? '—'),
        d.status === 'pending' ? null : button,
      ];
    }),
    'Deliveries per subscription',
  );
}

function attempts(list: Attempt[], subscriptions: Map<string, Subscription>, withSubscriptions: boolean) {
  if (list.length === 0) return h('p', { class: 'muted' }, 'No delivery attempt yet.');
  const headers = ['#', 'Time', 'Status code', 'Duration', 'Error'];
  return table(
    withSubscriptions ? ['Subscription', ...headers] : headers,
    [...list]
      .sort((a, b) => a.attempted_at.localeCompare(b.attempted_at))
      .map((a) => {
        const cells = [
          String(a.attempt),
          time(a.attempted_at),
          a.status_code === null ? '—' : h('span', { class: a.status_code < 300 ? 'ok' : 'bad' }, String(a.status_code)),
          `${a.duration_ms} ms`,
          h('span', { class: 'wrap' }, a.error ?? '—'),
        ];
        return withSubscriptions ? [subscriptionCell(a.subscription_id, subscriptions), ...cells] : cells;
      }),
    'Delivery attempts',
  );
}

export const eventView: View = async (route, signal) => {
  const id = route.path[1] as string;
  let event = await api.event(id);
  const subscriptions = new Map<string, Subscription>();
  if (event.deliveries && event.deliveries.length > 0) {
    // Target URLs read better than ids; the event page works without them.
    const page = await api.subscriptions().catch(() => null);
    for (const s of page?.subscriptions ?? []) subscriptions.set(s.id, s);
  }

  const facts = h('section', { class: 'card', 'aria-labelledby': 'facts-title' });
  const deliveriesBox = h('section', { class: 'card', 'aria-labelledby': 'deliveries-title' });
  const attemptsBox = h('section', { class: 'card', 'aria-labelledby': 'attempts-title' });

  const redeliverAll = h('button', { type: 'button', id: 'redeliver' }, 'Redeliver');
  const ack = h('button', { type: 'button', class: 'secondary', id: 'ack' }, 'Acknowledge');

  const draw = () => {
    replace(facts, h('h2', { id: 'facts-title', class: 'visually-hidden' }, 'Summary'), summary(event));
    const withSubscriptions = event.deliveries !== undefined;
    replace(
      deliveriesBox,
      h('h2', { id: 'deliveries-title' }, 'Deliveries'),
      withSubscriptions ? deliveries(event, subscriptions, redeliverOne) : h('p', { class: 'muted' }, event.status),
    );
    deliveriesBox.hidden = !withSubscriptions;
    replace(
      attemptsBox,
      h('h2', { id: 'attempts-title' }, 'Attempts'),
      attempts(event.delivery_attempts, subscriptions, withSubscriptions),
    );
    ack.disabled = event.acknowledged_at !== null;
  };
  /** Reads the event again; redraws and resolves true when anything changed. */
  const refresh = async () => {
    const fresh = await api.event(id);
    const changed = JSON.stringify(fresh) !== JSON.stringify(event);
    event = fresh;
    if (changed) draw();
    return changed;
  };
  // While a delivery is pending the page follows it (new attempts and outcomes appear by
  // themselves), checking less often while nothing changes: a paused subscription's delivery
  // may wait for days.
  const isPending = () => event.status === 'pending' || (event.deliveries ?? []).some((d) => d.status === 'pending');
  const follow = poll(signal, async () => (isPending() ? refresh() : false));
  const redeliverOne = (subscriptionId: string, button: HTMLButtonElement) =>
    void act(button, async () => {
      await api.redeliver(id, subscriptionId);
      showInfo('Redelivery queued.');
      await refresh();
      follow.wake();
    });
  redeliverAll.addEventListener('click', () =>
    act(redeliverAll, async () => {
      await api.redeliver(id);
      showInfo('Redelivery queued.');
      await refresh();
      follow.wake();
    }),
  );
  ack.addEventListener('click', async () => {
    await act(ack, async () => {
      await api.ack(id);
      showInfo('Event acknowledged: no more deliveries of it.');
      await refresh();
    });
    // Acknowledged once is for good.
    ack.disabled = event.acknowledged_at !== null;
  });
  draw();

  return h(
    'div',
    null,
    h('p', { class: 'crumbs' }, h('a', { href: href('events') }, '← Events')),
    pageTitle(event.type, redeliverAll, ack),
    facts,
    h(
      'section',
      { class: 'card', 'aria-labelledby': 'payload-title' },
      h('h2', { id: 'payload-title' }, 'Payload'),
      h('pre', { class: 'payload', tabindex: 0 }, JSON.stringify(event.payload, null, 2)),
    ),
    deliveriesBox,
    attemptsBox,
  );
};
