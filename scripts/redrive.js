/**
 * `npm run redrive -- [--org <uuid>] [--event <uuid>] [--before <ISO time>] [--limit N] [--dry-run]`
 * Moves dead-lettered delivery jobs (queue `event-delivery-dead`) back to `event-delivery`, oldest
 * first, with a fresh retry budget; the worker then delivers each event again unless it was
 * delivered or acknowledged meanwhile. `--dry-run` only counts. Uses DATABASE_URL.
 */
import { parseArgs } from 'node:util';
import { createBoss, DEAD_LETTER_QUEUE, DELIVERY_QUEUE } from '@triggers/queue';
import { loadConfigOrExit } from '@triggers/runtime';

const { values } = parseArgs({
  options: {
    org: { type: 'string' },
    event: { type: 'string' },
    before: { type: 'string' },
    limit: { type: 'string', default: '1000' },
    'dry-run': { type: 'boolean', default: false },
  },
});

const limit = Number.parseInt(values.limit, 10);
const createdBefore = values.before === undefined ? undefined : new Date(values.before);
if (!Number.isInteger(limit) || limit < 1 || (createdBefore && Number.isNaN(createdBefore.getTime()))) {
  console.error('usage: npm run redrive -- [--org <uuid>] [--event <uuid>] [--before <ISO time>] [--limit N] [--dry-run]');
  process.exit(2);
}
const data = { ...(values.org && { orgId: values.org }), ...(values.event && { eventId: values.event }) };
const filter = {
  sourceName: DELIVERY_QUEUE,
  ...(Object.keys(data).length > 0 && { data }),
  ...(createdBefore && { createdBefore }),
  limit,
};

const config = loadConfigOrExit();
const boss = createBoss(config, { instanceName: 'redrive', max: 2, extra: { migrate: false, registerInstance: false } });
boss.on('error', (error) => console.error(`pg-boss: ${error.message}`));
await boss.start();
try {
  if (values['dry-run']) {
    const preview = await boss.previewRedrive(DEAD_LETTER_QUEUE, filter);
    console.log(
      `would move ${preview.total - preview.unroutable} job(s) back to ${DELIVERY_QUEUE} (${preview.unroutable} unroutable)`,
    );
  } else {
    const moved = await boss.redrive(DEAD_LETTER_QUEUE, filter);
    console.log(`moved ${moved} job(s) from ${DEAD_LETTER_QUEUE} back to ${DELIVERY_QUEUE}`);
  }
} finally {
  await boss.stop({ graceful: false, close: true });
}
