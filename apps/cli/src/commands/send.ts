import { readFileSync } from 'node:fs';
import { defineCommand } from '../command.js';
import { UsageError } from '../exit-codes.js';

/** `--data`: a JSON object, `@file` to read it from a file, or `-` for standard input. */
function readPayload(data: string | undefined): Record<string, unknown> {
  if (data === undefined) return {};
  const text = data === '-' ? readFileSync(0, 'utf8') : data.startsWith('@') ? readFileSync(data.slice(1), 'utf8') : data;
  let payload: unknown;
  try {
    payload = JSON.parse(text);
  } catch {
    throw new UsageError('--data is not valid JSON');
  }
  if (typeof payload !== 'object' || payload === null || Array.isArray(payload))
    throw new UsageError('--data must be a JSON object');
  return payload as Record<string, unknown>;
}

export const send = defineCommand({
  usage: 'send <type> [--data JSON] [--dedup-id ID]',
  summary: 'Ingest one event',
  help: [
    '--data JSON      the payload, a JSON object (default {}); @file reads a file, - reads standard input',
    '--dedup-id ID    refuse a second event with this id within the dedup window (else a random idempotency key)',
  ],
  options: { data: { type: 'string' }, 'dedup-id': { type: 'string' } },
  positionals: 1,
  async run(ctx, { values, positionals }) {
    const [type] = positionals as [string];
    const dedupId = values['dedup-id'] as string | undefined;
    const event = await ctx
      .client()
      .events.send({ type, payload: readPayload(values.data as string | undefined), ...(dedupId ? { dedup_id: dedupId } : {}) });
    ctx.out.result(event, () => `created ${event.id} ${event.type} (${event.status})`);
    return undefined;
  },
});
