import type { ReplayRequest } from '@triggers/client';
import { defineCommand, required } from '../command.js';
import { UsageError } from '../exit-codes.js';
import { parseTime } from '../time.js';

export const replay = defineCommand({
  usage: 'replay --from TIME --to TIME [--type PATTERN] [--status STATUS] [--subscription ID]',
  summary: 'Deliver again every event created in a time range',
  help: [
    '--from, --to TIME   ISO-8601, "now", or a duration ago such as 2h or 7d',
    '--type PATTERN      only this type, or a prefix such as order.*',
    '--status STATUS     only pending, delivered or failed events',
    '--subscription ID   to this subscription only',
  ],
  options: {
    from: { type: 'string' },
    to: { type: 'string' },
    type: { type: 'string' },
    status: { type: 'string' },
    subscription: { type: 'string' },
  },
  positionals: 0,
  async run(ctx, { values }) {
    const now = ctx.now();
    const filter: ReplayRequest = {
      from: parseTime('from', required(values, 'from'), now),
      to: parseTime('to', required(values, 'to'), now),
    };
    if (filter.from > filter.to) throw new UsageError('--from must not be after --to');
    if (values.type) filter.type = values.type as string;
    if (values.status) {
      if (!['pending', 'delivered', 'failed'].includes(values.status as string)) {
        throw new UsageError('--status must be pending, delivered or failed');
      }
      filter.status = values.status as ReplayRequest['status'];
    }
    if (values.subscription) filter.subscription_id = values.subscription as string;
    ctx.out.progress(`replaying events from ${filter.from} to ${filter.to}${filter.type ? ` of type ${filter.type}` : ''}…`);
    const started = ctx.now();
    const result = await ctx.client().events.replay(filter, { signal: ctx.signal });
    ctx.out.result(result, () => `replayed ${result.replayed} event(s) in ${((ctx.now() - started) / 1000).toFixed(1)} s`);
    return undefined;
  },
});
