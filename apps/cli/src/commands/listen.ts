import { randomBytes } from 'node:crypto';
import { type Lease, type TriggersClient, TriggersError } from '@triggers/client';
import { type Context, defineCommand, integer, required } from '../command.js';
import { isTransient, UsageError } from '../exit-codes.js';
import { forwardEvent } from '../listen/forward.js';
import { sleep } from '../time.js';

/**
 * The secret to sign with: --secret; else that of --subscription; else the default
 * subscription's (GET /api/webhook/config); else one made up for this session, printed.
 */
async function signingSecret(
  ctx: Context,
  client: TriggersClient,
  flags: { secret?: string; subscription?: string },
): Promise<{ secret: string; source: string }> {
  if (flags.secret) return { secret: flags.secret, source: '--secret' };
  if (flags.subscription) {
    const { secret } = await client.subscriptions.secret(flags.subscription, { signal: ctx.signal });
    return { secret, source: `the secret of subscription ${flags.subscription}` };
  }
  const config = await client.webhookConfig.get({ signal: ctx.signal });
  if (config.webhook_secret)
    return { secret: config.webhook_secret, source: "the default subscription's secret (GET /api/webhook/config)" };
  const secret = `whsec_${randomBytes(32).toString('base64')}`;
  return { secret, source: `a secret made up for this session, as there is no default subscription: ${secret}` };
}

/** Extends `lease` every half visibility while its events are forwarded; `expired` once the API says it is gone. */
function keepLease(client: TriggersClient, lease: Lease, visibilitySeconds: number) {
  const state = { expired: false };
  const timer = setInterval(
    () => {
      client.inbox.extendLease(lease.lease_id, visibilitySeconds).catch((error) => {
        if (error instanceof TriggersError && error.status === 404) state.expired = true;
      });
    },
    (visibilitySeconds * 1000) / 2,
  );
  return { state, stop: () => clearInterval(timer) };
}

export const listen = defineCommand({
  usage: 'listen --forward-to URL [--type PATTERN] [--subscription ID | --secret whsec_…] [--batch N] [--visibility SECONDS]',
  summary: 'Forward events to a local URL, signed like real deliveries; acknowledge those it accepts',
  help: [
    '--forward-to URL       the local receiver, e.g. http://localhost:3000/webhook',
    '--type PATTERN         only this type, or a prefix such as order.*',
    '--subscription ID      sign with the secret of this subscription, as its real deliveries are',
    "--secret whsec_…       sign with this secret (default: the default subscription's, from GET /api/webhook/config)",
    '--batch N              events leased at a time, 1-1000 (default 10)',
    '--visibility SECONDS   how long a lease holds its events; one that failed is tried again after it (default 30)',
    '--timeout MS           how long the receiver may take (default 10000)',
    '--interval SECONDS     how often to look when there is nothing to forward (default 2)',
    'Events are leased from the inbox and acknowledged once the local URL answers 2xx. An acknowledged',
    "event's pending deliveries to subscriptions stop: use a development organization.",
  ],
  options: {
    'forward-to': { type: 'string' },
    type: { type: 'string' },
    secret: { type: 'string' },
    subscription: { type: 'string' },
    batch: { type: 'string' },
    visibility: { type: 'string' },
    timeout: { type: 'string' },
    interval: { type: 'string' },
  },
  positionals: 0,
  async run(ctx, { values }) {
    const url = required(values, 'forward-to');
    if (!URL.canParse(url) || !/^https?:$/.test(new URL(url).protocol))
      throw new UsageError('--forward-to must be an http(s) URL');
    const type = values.type as string | undefined;
    const batch = integer(values, 'batch', 10, 1, 1000);
    const visibility = integer(values, 'visibility', 30, 2, 43_200);
    const timeoutMs = integer(values, 'timeout', 10_000, 1);
    const intervalMs = integer(values, 'interval', 2, 1, 3600) * 1000;
    const client = ctx.client();
    const { secret, source } = await signingSecret(ctx, client, {
      secret: values.secret as string | undefined,
      subscription: values.subscription as string | undefined,
    });
    ctx.out.note(`Forwarding events${type ? ` of type ${type}` : ''} to ${url}, signed with ${source}. Ctrl-C to stop.`);

    const attempts = new Map<string, number>();
    const totals = { acknowledged: 0, failed: 0 };
    // Accepted by the receiver, not yet acknowledged (an ack that failed is tried again before the next lease).
    const accepted: string[] = [];
    const acknowledge = async () => {
      if (accepted.length === 0) return;
      totals.acknowledged += (await client.inbox.ackMany(accepted)).acknowledged.length;
      accepted.length = 0;
    };

    const forwardLease = async (lease: Lease) => {
      const keeper = keepLease(client, lease, visibility);
      try {
        for (const event of lease.events) {
          if (ctx.signal.aborted || keeper.state.expired) break;
          const attempt = (attempts.get(event.id) ?? 0) + 1;
          attempts.set(event.id, attempt);
          const result = await forwardEvent({ url, event, secret, attempt, timeoutMs, signal: ctx.signal });
          if (result.ok) {
            accepted.push(event.id);
            attempts.delete(event.id);
          } else totals.failed++;
          const outcome = result.ok ? `${result.status}` : `${result.error}, tried again in ${visibility} s`;
          ctx.out.result(
            {
              event_id: event.id,
              type: event.type,
              attempt,
              ok: result.ok,
              status: result.status ?? null,
              error: result.error ?? null,
              duration_ms: result.durationMs,
            },
            () => `${new Date(ctx.now()).toISOString()}  ${event.type}  ${event.id}  -> ${outcome} (${result.durationMs} ms)`,
          );
        }
        // While the lease is still kept (and even when stopping: the receiver has them). A failed
        // event stays leased until the lease expires, then is leased and forwarded again.
        await acknowledge();
      } finally {
        keeper.stop();
      }
    };

    while (!ctx.signal.aborted) {
      try {
        await acknowledge();
        const lease = await client.inbox.lease(
          { limit: batch, visibility_seconds: visibility, ...(type ? { type } : {}) },
          { signal: ctx.signal },
        );
        if (lease.events.length > 0) {
          await forwardLease(lease);
          continue;
        }
        ctx.out.progress(`waiting for events: ${totals.acknowledged} forwarded, ${totals.failed} failed attempt(s)`);
      } catch (error) {
        if (ctx.signal.aborted) break;
        // The API restarting or rate limiting does not end a listening session: look again later.
        if (!isTransient(error)) throw error;
        ctx.out.note(`triggers: ${(error as Error).message}; trying again in ${intervalMs / 1000} s`);
      }
      await sleep(intervalMs, ctx.signal);
    }
    await acknowledge();
    ctx.out.note(`Stopped: ${totals.acknowledged} event(s) forwarded and acknowledged, ${totals.failed} failed attempt(s).`);
    return undefined;
  },
});
