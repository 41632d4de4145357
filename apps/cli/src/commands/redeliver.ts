import { defineCommand } from '../command.js';

export const redeliver = defineCommand({
  usage: 'redeliver <event-id> [--subscription ID]',
  summary: 'Deliver an event again',
  help: ['--subscription ID  to this subscription only (else to every one whose delivery is not pending)'],
  options: { subscription: { type: 'string' } },
  positionals: 1,
  async run(ctx, { values, positionals }) {
    const id = positionals[0] as string;
    const subscriptionId = values.subscription as string | undefined;
    const result = await ctx.client().events.redeliver(id, subscriptionId ? { subscriptionId } : {});
    ctx.out.result(result, () => `redelivery of ${result.id} queued (${result.status})`);
    return undefined;
  },
});
