import type { Subscription } from '@triggers/client';
import { defineCommand, required } from '../command.js';

const line = (s: Subscription) =>
  `${s.id}  ${s.status.padEnd(8)}  ${s.event_types.join(',')}  ${s.target_url}${s.description ? `  "${s.description}"` : ''}`;

export const subscriptionsList = defineCommand({
  usage: 'subscriptions list',
  summary: 'Every subscription, newest first',
  help: [],
  options: {},
  positionals: 0,
  async run(ctx) {
    const all: Subscription[] = [];
    for await (const s of ctx.client().subscriptions.iterate({ limit: 100 }, { signal: ctx.signal })) all.push(s);
    ctx.out.result({ subscriptions: all }, () => (all.length === 0 ? ['no subscriptions'] : all.map(line)));
    return undefined;
  },
});

export const subscriptionsGet = defineCommand({
  usage: 'subscriptions get <id>',
  summary: 'One subscription with its status and circuit breaker',
  help: [],
  options: {},
  positionals: 1,
  async run(ctx, { positionals }) {
    const s = await ctx.client().subscriptions.get(positionals[0] as string);
    ctx.out.result(s, () => [
      line(s),
      ...(s.circuit
        ? [`circuit   ${s.circuit.state}${s.circuit.next_probe_at ? ` (next probe ${s.circuit.next_probe_at})` : ''}`]
        : []),
      ...(s.disabled_reason ? [`disabled  ${s.disabled_reason} since ${s.disabled_at}`] : []),
    ]);
    return undefined;
  },
});

export const subscriptionsCreate = defineCommand({
  usage: 'subscriptions create --url URL [--type PATTERN]... [--description TEXT]',
  summary: 'Push matching events to a URL; prints its signing secret',
  help: [
    '--url URL           where to POST each event (http or https)',
    '--type PATTERN      an event type, a prefix such as order.*, or * (default *); repeat for several',
    '--description TEXT  a note for people',
  ],
  options: { url: { type: 'string' }, type: { type: 'string', multiple: true }, description: { type: 'string' } },
  positionals: 0,
  async run(ctx, { values }) {
    const types = (values.type as string[] | undefined) ?? ['*'];
    const description = values.description as string | undefined;
    const s = await ctx
      .client()
      .subscriptions.create({ target_url: required(values, 'url'), event_types: types, ...(description ? { description } : {}) });
    ctx.out.result(s, () => [line(s), `secret    ${s.secret}`]);
    return undefined;
  },
});

function statusChange(word: 'pause' | 'resume', summary: string) {
  return defineCommand({
    usage: `subscriptions ${word} <id>`,
    summary,
    help: [],
    options: {},
    positionals: 1,
    async run(ctx, { positionals }) {
      const subscriptions = ctx.client().subscriptions;
      const s = await (word === 'pause'
        ? subscriptions.pause(positionals[0] as string)
        : subscriptions.resume(positionals[0] as string));
      ctx.out.result(s, () => line(s));
      return undefined;
    },
  });
}

export const subscriptionsPause = statusChange('pause', 'Hold its deliveries until resumed');
export const subscriptionsResume = statusChange('resume', 'Deliver again (a disabled one too)');

export const subscriptionsDelete = defineCommand({
  usage: 'subscriptions delete <id>',
  summary: 'Delete it; its pending deliveries are cancelled',
  help: [],
  options: {},
  positionals: 1,
  async run(ctx, { positionals }) {
    const id = positionals[0] as string;
    await ctx.client().subscriptions.delete(id);
    ctx.out.result({ id, deleted: true }, () => `deleted ${id}`);
    return undefined;
  },
});
