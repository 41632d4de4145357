import type { Db } from '@triggers/db';
import { sql } from 'kysely';

/**
 * Locks events for the rest of the transaction, in id order. Every transaction that changes an
 * event's deliveries takes its event's lock first, in the same order, so the event status
 * computed afterwards sees every committed delivery and concurrent writers cannot deadlock.
 */
export async function lockEvents(db: Db, eventIds: readonly string[]): Promise<void> {
  if (eventIds.length === 0) return;
  const sorted = [...new Set(eventIds)].sort();
  await sql`SELECT id FROM events WHERE id = ANY(${sorted}::uuid[]) ORDER BY id FOR NO KEY UPDATE`.execute(db);
}
