// Organizations and queued events written straight to the database, as the API would commit them.
import { randomBytes } from 'node:crypto';
import { uuidv7 } from '@triggers/db';
import { DELIVERY_QUEUE } from '@triggers/queue';
import { generateWebhookSecret } from '@triggers/webhooks';

export async function createWebhookOrg(client, webhookUrl) {
  const { rows } = await client.query(
    `INSERT INTO organizations (name, key_prefix, key_hash, webhook_url, webhook_secret)
     VALUES ('bench', $1, 'none', $2, $3) RETURNING id`,
    [`zap_live_${randomBytes(8).toString('hex')}`, webhookUrl, generateWebhookSecret()],
  );
  return rows[0].id;
}

/** `count` 1 KB events and their delivery jobs, committed in transactions of 1,000; resolves to their ids. */
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
      DELIVERY_QUEUE,
      ids.map((eventId) => ({ data: { eventId, orgId } })),
      { db },
    );
    await client.query('COMMIT');
  }
  return all;
}
