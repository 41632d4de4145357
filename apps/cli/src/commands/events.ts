import type { EventDetail, InboxEvent, TriggersClient } from '@triggers/client';
import { defineCommand, integer } from '../command.js';
import { isTransient, UsageError } from '../exit-codes.js';
import { durationMs, sleep } from '../time.js';

const STATUSES = ['pending', 'delivered', 'failed'] as const;
type Status = (typeof STATUSES)[number];

function describeEvent(e: EventDetail): string[] {
  const lines = [
    `${e.id}  ${e.type}  ${e.status}`,
    `created       ${e.created_at}`,
    `delivered     ${e.delivered_at ?? '-'}`,
    `acknowledged  ${e.acknowledged_at ?? '-'}`,
    `dedup_id      ${e.dedup_id ?? '-'}`,
    `attempts      ${e.attempts}${e.last_error ? ` (last error: ${e.last_error})` : ''}`,
  ];
  const deliveries = (e as { deliveries?: { subscription_id: string; status: string; attempts: number }[] }).deliveries ?? [];
  for (const d of deliveries) lines.push(`delivery      ${d.subscription_id} ${d.status} after ${d.attempts} attempt(s)`);
  for (const a of e.delivery_attempts) {
    lines.push(
      `attempt ${a.attempt}     ${a.attempted_at} ${a.status_code ?? '-'} ${a.duration_ms} ms${a.error ? ` ${a.error}` : ''}`,
    );
  }
  lines.push(`payload       ${JSON.stringify(e.payload)}`);
  return lines;
}

export const eventsGet = defineCommand({
  usage: 'events get <id>',
  summary: 'One event with its deliveries and attempts',
  help: [],
  options: {},
  positionals: 1,
  async run(ctx, { positionals }) {
    const event = await ctx.client().events.get(positionals[0] as string);
    ctx.out.result(event, () => describeEvent(event));
    return undefined;
  },
});

/**
 * The events created since `since` (and not yet in `seen`), oldest first: inbox pages, newest
 * first, for each status, until a page reaches events older than `since`.
 */
async function newEvents(
  client: TriggersClient,
  statuses: readonly Status[],
  type: string | undefined,
  since: string,
  seen: Set<string>,
  signal: AbortSignal,
): Promise<InboxEvent[]> {
  const found = new Map<string, InboxEvent>();
  for (const status of statuses) {
    for await (const event of client.inbox.iterate({ status, limit: 100, ...(type ? { type } : {}) }, { signal })) {
      if (event.created_at < since) break;
      if (!seen.has(event.id)) found.set(event.id, event);
    }
  }
  return [...found.values()].sort((a, b) =>
    a.created_at === b.created_at ? a.id.localeCompare(b.id) : a.created_at < b.created_at ? -1 : 1,
  );
}

export const eventsTail = defineCommand({
  usage: 'events tail [--type PATTERN] [--status STATUS] [--interval SECONDS] [--count N]',
  summary: 'Print events as they arrive, until interrupted',
  help: [
    '--type PATTERN     only this type, or a prefix such as order.*',
    '--status STATUS    only pending, delivered or failed (default: any)',
    '--since DURATION   also print those created this long ago, e.g. 10m (default: none before now)',
    '--interval SECONDS how often to look (default 2)',
    '--count N          stop after N events',
  ],
  options: {
    type: { type: 'string' },
    status: { type: 'string' },
    since: { type: 'string' },
    interval: { type: 'string' },
    count: { type: 'string' },
  },
  positionals: 0,
  async run(ctx, { values }) {
    const status = values.status as string | undefined;
    if (status !== undefined && !STATUSES.includes(status as Status))
      throw new UsageError('--status must be pending, delivered or failed');
    const statuses = status ? [status as Status] : STATUSES;
    const intervalMs = integer(values, 'interval', 2, 1, 3600) * 1000;
    const count = values.count === undefined ? Number.POSITIVE_INFINITY : integer(values, 'count', 1);
    const sinceMs = values.since === undefined ? 0 : durationMs(values.since as string);
    if (sinceMs === undefined) throw new UsageError('--since must be a duration such as 30s, 10m, 2h or 1d');
    const client = ctx.client();
    // Events committed a little after their created_at still show: look back a few seconds, remember what was printed.
    const lookBackMs = 5000;
    let since = new Date(ctx.now() - sinceMs).toISOString();
    const seen = new Set<string>();
    let printed = 0;
    let polls = 0;
    while (!ctx.signal.aborted && printed < count) {
      const events = await newEvents(client, statuses, values.type as string | undefined, since, seen, ctx.signal).catch(
        (error) => {
          if (ctx.signal.aborted) return [];
          // The API restarting or rate limiting does not end a tail: look again later.
          if (!isTransient(error)) throw error;
          ctx.out.note(`triggers: ${(error as Error).message}; trying again in ${intervalMs / 1000} s`);
          return [];
        },
      );
      polls++;
      for (const e of events) {
        if (printed >= count) break;
        seen.add(e.id);
        printed++;
        ctx.out.result(e, () => `${e.created_at}  ${e.id}  ${e.type}  ${e.status}  ${JSON.stringify(e.payload)}`);
      }
      if (printed >= count) break;
      since = new Date(Math.max(Date.parse(since), ctx.now() - lookBackMs)).toISOString();
      if (seen.size > 50_000) seen.clear();
      ctx.out.progress(`tail: ${printed} event(s), ${polls} look(s), next in ${intervalMs / 1000} s`);
      await sleep(intervalMs, ctx.signal);
    }
    ctx.out.clearProgress();
    return undefined;
  },
});
