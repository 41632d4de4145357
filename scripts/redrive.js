/**
 * `npm run redrive -- [--org <uuid>] [--event <uuid>] [--subscription <uuid>] [--before <ISO time>] [--limit N] [--dry-run]`
 * Queues a fresh delivery (a new round of attempts) of failed deliveries, oldest first, through
 * @triggers/delivery's requeueEvents: what POST /api/events/:id/redeliver does with a
 * subscription_id, for many at once. Deliveries of deleted or disabled subscriptions are left
 * alone. `--dry-run` only counts. Uses DATABASE_URL.
 */
import { parseArgs } from 'node:util';
import { connect } from '@triggers/db';
import { requeueEvents } from '@triggers/delivery';
import { createBoss } from '@triggers/queue';
import { loadConfigOrExit } from '@triggers/runtime';
import { sql } from 'kysely';

const { values } = parseArgs({
  options: {
    org: { type: 'string' },
    event: { type: 'string' },
    subscription: { type: 'string' },
    before: { type: 'string' },
    limit: { type: 'string', default: '1000' },
    'dry-run': { type: 'boolean', default: false },
  },
});

const limit = Number.parseInt(values.limit, 10);
const createdBefore = values.before === undefined ? undefined : new Date(values.before);
if (!Number.isInteger(limit) || limit < 1 || (createdBefore && Number.isNaN(createdBefore.getTime()))) {
  console.error(
    'usage: npm run redrive -- [--org <uuid>] [--event <uuid>] [--subscription <uuid>] [--before <ISO time>] [--limit N] [--dry-run]',
  );
  process.exit(2);
}

const config = loadConfigOrExit();
const database = connect({ connectionString: config.databaseUrl, max: 2, applicationName: 'triggers-redrive' });
const boss = createBoss(config, { instanceName: 'redrive', max: 2, extra: { migrate: false, registerInstance: false } });
boss.on('error', (error) => console.error(`pg-boss: ${error.message}`));
await boss.start();
try {
  const { rows } = await sql`
    SELECT d.event_id, d.org_id, d.subscription_id FROM deliveries d
    JOIN subscriptions s ON s.id = d.subscription_id AND s.status <> 'disabled'
    WHERE d.status = 'failed'
      ${values.org ? sql`AND d.org_id = ${values.org}` : sql``}
      ${values.event ? sql`AND d.event_id = ${values.event}` : sql``}
      ${values.subscription ? sql`AND d.subscription_id = ${values.subscription}` : sql``}
      ${createdBefore ? sql`AND d.created_at < ${createdBefore}` : sql``}
    ORDER BY d.created_at
    LIMIT ${limit}`.execute(database.db);
  if (values['dry-run']) {
    console.log(`would queue ${rows.length} failed deliveries again`);
  } else {
    const groups = new Map();
    for (const r of rows) {
      const key = `${r.org_id}:${r.subscription_id}`;
      groups.set(key, {
        orgId: r.org_id,
        subscriptionId: r.subscription_id,
        events: [...(groups.get(key)?.events ?? []), r.event_id],
      });
    }
    let queued = 0;
    for (const g of groups.values()) {
      const result = await database.db
        .transaction()
        .execute((trx) => requeueEvents(boss, trx, g.orgId, g.events, g.subscriptionId));
      queued += result.requeued.length;
    }
    console.log(`queued ${queued} failed deliveries again`);
  }
} finally {
  await boss.stop({ graceful: false, close: true });
  await database.close();
}
