import { api, type Subscription, type SubscriptionInput } from '../api.js';
import { h, replace } from '../dom.js';
import { relative, time } from '../format.js';
import type { View } from '../main.js';
import { href, navigate } from '../router.js';
import { act, badge, confirmStep, field, pageTitle, showInfo } from '../ui.js';
import { patterns, statusBadges } from './subscriptions.js';

/** Patterns typed one per line or separated by commas or spaces. */
const splitPatterns = (text: string) => text.split(/[\s,]+/).filter(Boolean);

function form(
  initial: Subscription | null,
  onSave: (input: SubscriptionInput, button: HTMLButtonElement) => void,
): HTMLFormElement {
  const url = h('input', {
    id: 'target-url',
    type: 'url',
    required: true,
    maxlength: 2048,
    value: initial?.target_url ?? '',
    placeholder: 'https://example.com/webhooks',
  });
  const types = h('textarea', { id: 'event-types', required: true, rows: 3, placeholder: 'order.created\ninvoice.*' });
  types.value = (initial?.event_types ?? ['*']).join('\n');
  const description = h('input', { id: 'description', type: 'text', maxlength: 255, value: initial?.description ?? '' });
  const save = h('button', { type: 'submit', id: 'save-subscription' }, initial ? 'Save changes' : 'Create subscription');
  const element = h(
    'form',
    { class: 'stack' },
    field('Target URL', url, 'Absolute http(s) URL that receives a signed POST per event.'),
    field('Event types', types, 'One per line: a type (order.created), a prefix ending in .* (invoice.*), or * for all.'),
    field('Description (optional)', description),
    h(
      'div',
      { class: 'actions' },
      save,
      initial ? h('a', { class: 'button secondary', href: href(`subscriptions/${initial.id}`) }, 'Cancel') : null,
    ),
  );
  element.addEventListener('submit', (event) => {
    event.preventDefault();
    onSave(
      {
        target_url: url.value.trim(),
        event_types: splitPatterns(types.value),
        description: description.value.trim() || undefined,
      },
      save,
    );
  });
  return element;
}

function details(s: Subscription): HTMLElement {
  const item = (term: string, value: Node | string | Node[]) => [h('dt', null, term), h('dd', null, value)];
  return h(
    'dl',
    { class: 'facts' },
    item('Target URL', h('span', { class: 'url' }, s.target_url)),
    item('Event types', patterns(s)),
    item('Status', statusBadges(s)),
    item('Description', s.description ?? '—'),
    s.disabled_at ? item('Disabled', time(s.disabled_at)) : [],
    s.circuit && s.circuit.state !== 'closed'
      ? item('Circuit breaker', [badge(s.circuit.state), h('span', null, ` next probe ${relative(s.circuit.next_probe_at)}`)])
      : [],
    item('Subscription ID', h('code', null, s.id)),
    item('Created', time(s.created_at)),
    item('Updated', time(s.updated_at)),
  );
}

/** Test events have a type of their own, so that subscriptions to real types never receive one. */
const TEST_EVENT_TYPE = 'triggers.test';

/** Whether one of the patterns takes the type: exact, `prefix.*` at a dot, or `*` (as the API matches). */
function matches(patterns: string[], type: string): boolean {
  return patterns.some((p) => p === '*' || p === type || (p.endsWith('.*') && type.startsWith(p.slice(0, -1))));
}

const createView: View = async () => {
  const created = h('div');
  const element = form(
    null,
    (input, button) =>
      void act(button, async () => {
        const sub = await api.createSubscription(input);
        navigate(`subscriptions/${sub.id}`, { created: '1' });
      }),
  );
  return h(
    'div',
    null,
    h('p', { class: 'crumbs' }, h('a', { href: href('subscriptions') }, '← Subscriptions')),
    pageTitle('New subscription'),
    element,
    created,
  );
};

export const subscriptionView: View = async (route, signal) => {
  const id = route.path[1] as string;
  if (id === 'new') return createView(route, signal);
  let sub = await api.subscription(id);
  const editing = route.query.get('edit') === '1';

  const facts = h('section', { class: 'card', 'aria-labelledby': 'sub-facts' });
  const secretBox = h('div', { class: 'secret', 'aria-live': 'polite' });
  const actions = h('div', { class: 'actions' });
  const confirmArea = h('div');

  const update = (input: SubscriptionInput, button: HTMLButtonElement, message: string) =>
    act(button, async () => {
      sub = await api.updateSubscription(id, input);
      draw();
      showInfo(message);
    });

  const draw = () => {
    replace(facts, h('h2', { id: 'sub-facts', class: 'visually-hidden' }, 'Details'), details(sub));
    const buttons: HTMLButtonElement[] = [];
    const button = (label: string, buttonId: string, onClick: (b: HTMLButtonElement) => void, kind = 'secondary') => {
      const b = h('button', { type: 'button', id: buttonId, class: kind }, label);
      b.addEventListener('click', () => onClick(b));
      buttons.push(b);
    };
    if (sub.status === 'active')
      button('Pause', 'pause', (b) => update({ status: 'paused' }, b, 'Paused: deliveries wait until you resume.'));
    if (sub.status === 'paused')
      button('Resume', 'resume', (b) => update({ status: 'active' }, b, 'Resumed: waiting deliveries go out now.'), '');
    if (sub.status === 'disabled') button('Re-enable', 'enable', (b) => update({ status: 'active' }, b, 'Enabled again.'), '');
    button(
      'Send test event',
      'send-test',
      (b) =>
        void act(b, async () => {
          const event = await api.sendEvent(TEST_EVENT_TYPE, { test: true, sent_from: 'dashboard', subscription_id: sub.id });
          // A subscription whose patterns take the test type gets it like any event (so do others that
          // take it: `*`); any other is sent it by a redelivery to it alone.
          if (!matches(sub.event_types, TEST_EVENT_TYPE)) await api.redeliver(event.id, sub.id);
          showInfo('Test event ', h('a', { href: href(`events/${event.id}`), id: 'test-event-link' }, TEST_EVENT_TYPE), ' sent.');
        }),
    );
    const edit = h('a', { class: 'button secondary', href: href(`subscriptions/${id}`, { edit: '1' }), id: 'edit' }, 'Edit');
    button(
      'Delete',
      'delete',
      () =>
        replace(
          confirmArea,
          confirmStep(
            'Delete this subscription? Its pending deliveries stop.',
            'Delete subscription',
            (b) =>
              void act(b, async () => {
                await api.deleteSubscription(id);
                navigate('subscriptions');
                showInfo('Subscription deleted.');
              }),
          ),
        ),
      'danger',
    );
    replace(actions, ...buttons.slice(0, -1), edit, buttons.at(-1));
  };

  const reveal = h('button', { type: 'button', class: 'secondary', id: 'reveal-secret' }, 'Reveal secret');
  reveal.addEventListener('click', () =>
    act(reveal, async () => {
      const { secret } = await api.secret(id);
      replace(secretBox, h('code', { id: 'secret-value' }, secret));
    }),
  );
  const rotate = h('button', { type: 'button', class: 'secondary', id: 'rotate-secret' }, 'Rotate secret');
  rotate.addEventListener('click', () =>
    replace(
      confirmArea,
      confirmStep(
        'Rotate the signing secret? For 24 hours deliveries carry signatures with both.',
        'Rotate secret',
        (b) =>
          void act(b, async () => {
            const rotated = await api.rotateSecret(id);
            replace(confirmArea);
            replace(
              secretBox,
              h('code', { id: 'secret-value' }, rotated.secret),
              h('p', { class: 'hint' }, `The previous secret is accepted until ${time(rotated.previous_secret_expires_at)}.`),
            );
          }),
      ),
    ),
  );

  draw();
  if (route.query.get('created') === '1') showInfo('Subscription created. Reveal its secret below to verify signatures.');
  const back = h('p', { class: 'crumbs' }, h('a', { href: href('subscriptions') }, '← Subscriptions'));
  if (editing) {
    const element = form(
      sub,
      (input, button) =>
        void act(button, async () => {
          await api.updateSubscription(id, { ...input, description: input.description ?? '' });
          navigate(`subscriptions/${id}`);
        }),
    );
    return h('div', null, back, pageTitle('Edit subscription'), element);
  }
  return h(
    'div',
    null,
    back,
    pageTitle('Subscription', actions),
    confirmArea,
    facts,
    h(
      'section',
      { class: 'card', 'aria-labelledby': 'secret-title' },
      h('h2', { id: 'secret-title' }, 'Signing secret'),
      h('p', { class: 'hint' }, 'Receivers verify the webhook-signature header with it (Standard Webhooks).'),
      h('div', { class: 'actions' }, reveal, rotate),
      secretBox,
    ),
  );
};
