import { api, type EventStatus, type ReplayFilter, type Subscription } from '../api.js';
import { h, replace } from '../dom.js';
import { count, localInput, time } from '../format.js';
import type { View } from '../main.js';
import { act, field, inlineError, pageTitle, showInfo } from '../ui.js';

export const replayView: View = async () => {
  const subscriptions: Subscription[] = [];
  let subsError: unknown = null;
  try {
    subscriptions.push(...(await api.subscriptions()).subscriptions);
  } catch (error) {
    subsError = error;
  }
  const now = new Date();
  const from = h('input', {
    id: 'replay-from',
    type: 'datetime-local',
    required: true,
    value: localInput(new Date(now.getTime() - 3600_000)),
  });
  const to = h('input', {
    id: 'replay-to',
    type: 'datetime-local',
    required: true,
    value: localInput(new Date(now.getTime() + 60_000)),
  });
  const type = h('input', {
    id: 'replay-type',
    type: 'text',
    placeholder: 'order.* (all types when empty)',
    autocomplete: 'off',
  });
  const status = h(
    'select',
    { id: 'replay-status' },
    h('option', { value: '' }, 'Any status'),
    ['failed', 'pending', 'delivered'].map((s) => h('option', { value: s }, s)),
  );
  const subscription = h(
    'select',
    { id: 'replay-subscription' },
    h('option', { value: '' }, 'Every matching subscription'),
    subscriptions.map((s) => h('option', { value: s.id }, s.description ? `${s.description} — ${s.target_url}` : s.target_url)),
  );
  const preview = h('button', { type: 'submit', id: 'replay-preview' }, 'Count events');
  const outcome = h('div', { id: 'replay-outcome', 'aria-live': 'polite' });

  const filter = (): ReplayFilter => ({
    from: new Date(from.value).toISOString(),
    to: new Date(to.value).toISOString(),
    type: type.value.trim() || undefined,
    status: (status.value || undefined) as EventStatus | undefined,
    subscription_id: subscription.value || undefined,
  });

  const form = h(
    'form',
    { class: 'stack' },
    h('div', { class: 'row' }, field('From', from), field('To', to)),
    h('div', { class: 'row' }, field('Type pattern', type), field('Status', status)),
    field(
      'Subscription',
      subscription,
      'Replayed events get a fresh delivery to this subscription, or to every subscription they match.',
    ),
    subsError ? inlineError(subsError) : null,
    h('div', { class: 'actions' }, preview),
    outcome,
  );
  form.addEventListener('submit', (event) => {
    event.preventDefault();
    if (!form.reportValidity()) return;
    const chosen = filter();
    void act(preview, async () => {
      const { would_replay } = await api.previewReplay(chosen);
      if (would_replay === 0) {
        replace(outcome, h('p', { class: 'muted' }, 'No event matches: nothing to replay.'));
        return;
      }
      const go = h('button', { type: 'button', class: 'danger', id: 'replay-confirm' }, `Replay ${count(would_replay)} events`);
      go.addEventListener('click', () =>
        act(go, async () => {
          const { replayed } = await api.replay(chosen);
          replace(outcome, h('p', { id: 'replay-done' }, `${count(replayed)} events queued for delivery again.`));
          showInfo(`Replayed ${count(replayed)} events.`);
        }),
      );
      replace(
        outcome,
        h(
          'div',
          { class: 'confirm' },
          h(
            'p',
            { id: 'replay-count' },
            `${count(would_replay)} events from ${time(chosen.from)} to ${time(chosen.to)} will be delivered again.`,
          ),
          h('div', { class: 'actions' }, go),
        ),
      );
      go.focus();
    });
  });
  for (const control of [from, to, type, status, subscription]) control.addEventListener('input', () => replace(outcome));

  return h(
    'div',
    null,
    pageTitle('Replay'),
    h(
      'p',
      { class: 'lead' },
      'Deliver past events again, for example after a receiver was down. You see how many events match before anything is sent.',
    ),
    form,
  );
};
