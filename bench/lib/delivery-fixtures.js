// Organizations, subscriptions and queued events written straight to the database, as the API
// would commit them.
import { randomBytes } from 'node:crypto';
import { uuidv7 } from '@triggers/db';
import { FANOUT_QUEUE } from '@triggers/queue';
import { generateWebhookSecret } from '@triggers/webhooks';

/** An organization with `subscriptions` subscriptions (`["*"]`) to `webhookUrl` (or one URL each). */
export async function createWebhookOrg(client, webhookUrl, subscriptions = 1) {
  const { rows } = await client.query(
    `INSERT INTO organizations (name, key_prefix, key_hash) VALUES ('bench', $1, 'none') RETURNING id`,
    [`zap_live_${randomBytes(8).toString('hex')}`],
  );
  const orgId = rows[0].id;
  const urls = Array.isArray(webhookUrl) ? webhookUrl : Array.from({ length: subscriptions }, () => webhookUrl);
  for (const [i, url] of urls.entries()) {
    await client.query(
      `INSERT INTO subscriptions (org_id, target_url, event_types, secret, is_default) VALUES ($1, $2, ARRAY['*'], $3, $4)`,
      [orgId, url, generateWebhookSecret(), i === 0],
    );
  }
  return orgId;
}

/** `count` 1 KB events and their fan-out jobs, committed in transactions of 1,000; resolves to their ids. */
export async function queueEvents(client, boss, orgId, count, payload) {
  const db = { executeSql: (text, values) => client.query(text, values) };
  const all = [];
  for (let done = 0; done < count; done += 1000) {
    const ids = Array.from({ length: Math.min(1000, count - done) }, () => uuidv7());
    all.push(...ids);
    await client.query('BEGIN');
    await client.query(
      `INSERT INTO events (id, org_id, type, payload)
       SELECT id, $2, 'order.created', $3::jsonb FROM unnest($1::uuid[]) AS id`,
      [ids, orgId, payload],
    );
    await boss.insert(
      FANOUT_QUEUE,
      ids.map((eventId) => ({ data: { eventId, orgId } })),
      { db },
    );
    await client.query('COMMIT');
  }
  return all;
}
