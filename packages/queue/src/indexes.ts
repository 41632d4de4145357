import type { PgBoss } from 'pg-boss';
import { BOSS_SCHEMA } from './names.js';

/**
 * Indexes of ours on pg-boss's tables. pg-boss owns `pgboss.job` and creates it when it starts, after
 * our numbered migrations have run, so these are created after it (by `migrateDatabase`), not by a
 * file in migrations/. An index on the partitioned parent is built on every partition, and pg-boss
 * attaches new partitions with it.
 */
export const QUEUE_INDEXES = [
  {
    // "Every job of this event" (docs/operations.md, the redrive script): delivery jobs and their
    // dead-lettered copies carry the event id in their data, whatever else the data holds.
    name: 'triggers_job_event_id',
    definition: `CREATE INDEX IF NOT EXISTS triggers_job_event_id ON ${BOSS_SCHEMA}.job ((data->>'eventId'))`,
  },
] as const;

/**
 * Creates the QUEUE_INDEXES that are missing, one at a time, each in a transaction under an advisory
 * lock so that processes starting together build it once. One that exists costs a catalog read and
 * no DDL, so a role without DDL rights can run this once they are in place. Building one on a large
 * job table blocks job inserts while it builds (see docs/operations.md for creating it by hand
 * first, concurrently). Resolves to the names created now.
 */
export async function ensureQueueIndexes(boss: PgBoss): Promise<string[]> {
  const db = boss.getDb();
  const created: string[] = [];
  for (const index of QUEUE_INDEXES) {
    const { rows } = await db.executeSql('SELECT to_regclass($1) IS NOT NULL AS present', [`${BOSS_SCHEMA}.${index.name}`]);
    if (rows[0]?.present) continue;
    await db.executeSql(`BEGIN; SELECT pg_advisory_xact_lock(hashtext('triggers:queue-indexes')); ${index.definition}; COMMIT;`);
    created.push(index.name);
  }
  return created;
}
