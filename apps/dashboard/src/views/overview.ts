import { api, type Stats, type Subscription } from '../api.js';
import { barChart } from '../chart.js';
import { h, replace } from '../dom.js';
import { bucketLabel, count, percent, time } from '../format.js';
import type { View } from '../main.js';
import { every, href, navigate } from '../router.js';
import { badge, inlineError, pageTitle, showError } from '../ui.js';

const WINDOWS = ['1h', '6h', '24h'];

function tile(label: string, value: string, link?: string, tone?: string): HTMLElement {
  const body = [h('span', { class: 'tile-value' }, value), h('span', { class: 'tile-label' }, label)];
  return link
    ? h('a', { class: `tile ${tone ? `tone-${tone}` : ''}`, href: link }, body)
    : h('div', { class: `tile ${tone ? `tone-${tone}` : ''}` }, body);
}

function charts(stats: Stats): HTMLElement {
  const per = bucketLabel(stats.bucket_seconds);
  const events = barChart(
    `Events per ${per}`,
    `${stats.totals.events} events in the last ${stats.window}`,
    stats.buckets.map((b) => ({ start: b.start, value: b.events, label: `${time(b.start)}: ${b.events} events` })),
  );
  const success = barChart(
    `Delivery success rate per ${per}`,
    `${percent(stats.totals.success_rate)} of ${stats.totals.attempts} delivery attempts succeeded in the last ${stats.window}`,
    stats.buckets.map((b) => {
      const rate = b.attempts === 0 ? null : b.succeeded / b.attempts;
      return {
        start: b.start,
        value: rate === null ? null : rate * 100,
        label: `${time(b.start)}: ${b.succeeded} of ${b.attempts} attempts succeeded`,
        tone: rate === null ? undefined : rate >= 0.99 ? 'good' : rate >= 0.9 ? 'warn' : 'bad',
      };
    }),
    100,
    '%',
  );
  return h('div', { class: 'charts' }, events, success);
}

function tiles(stats: Stats): HTMLElement {
  const d = stats.deliveries;
  return h(
    'div',
    { class: 'tiles' },
    tile(`events in ${stats.window}`, count(stats.totals.events)),
    tile(
      'delivery success',
      percent(stats.totals.success_rate),
      undefined,
      stats.totals.success_rate !== null && stats.totals.success_rate < 0.9 ? 'bad' : '',
    ),
    tile('pending', count(d.pending, d.pending < 10_000), href('events', { status: 'pending' })),
    tile('failing, will retry', count(d.retrying), href('events', { status: 'pending' }), d.retrying > 0 ? 'warn' : ''),
    tile(
      'failed (dead-lettered)',
      count(d.failed, d.failed < 10_000),
      href('events', { status: 'failed' }),
      d.failed > 0 ? 'bad' : '',
    ),
  );
}

function troubled(subscriptions: Subscription[]): HTMLElement {
  const list = subscriptions.filter((s) => s.status === 'disabled' || (s.circuit && s.circuit.state !== 'closed'));
  if (list.length === 0) return h('p', { class: 'muted' }, 'Every subscription is healthy.');
  return h(
    'ul',
    { class: 'troubled' },
    list.map((s) =>
      h(
        'li',
        null,
        badge(s.status === 'disabled' ? 'disabled' : `circuit ${s.circuit?.state ?? ''}`.trim().replace(' ', '_')),
        ' ',
        h('a', { href: href(`subscriptions/${s.id}`), class: 'url' }, s.target_url),
        s.disabled_reason ? h('span', { class: 'muted' }, ` (${s.disabled_reason})`) : null,
      ),
    ),
  );
}

export const overviewView: View = async (route, signal) => {
  const window = WINDOWS.includes(route.query.get('window') ?? '') ? (route.query.get('window') as string) : '1h';
  const picker = h(
    'div',
    { class: 'segmented', role: 'group', 'aria-label': 'Time window' },
    WINDOWS.map((w) =>
      h(
        'button',
        {
          type: 'button',
          'aria-pressed': String(w === window),
          onclick: () => navigate('', { window: w === '1h' ? undefined : w }),
        },
        `Last ${w}`,
      ),
    ),
  );
  const statsBox = h('section', { 'aria-label': 'Deliveries' });
  const subsBox = h('section', { class: 'card', 'aria-labelledby': 'troubled-title' });
  const load = async () => {
    const [stats, subs] = await Promise.allSettled([api.stats(window), api.subscriptions()]);
    if (stats.status === 'fulfilled') replace(statsBox, tiles(stats.value), charts(stats.value));
    else if (!statsBox.hasChildNodes()) replace(statsBox, inlineError(stats.reason));
    else showError(stats.reason);
    replace(
      subsBox,
      h('h2', { id: 'troubled-title' }, 'Failing or disabled subscriptions'),
      subs.status === 'fulfilled' ? troubled(subs.value.subscriptions) : inlineError(subs.reason),
    );
  };
  await load();
  every(15_000, signal, load);
  return h('div', null, pageTitle('Overview', picker), statsBox, subsBox);
};
