import type { Db } from '@triggers/db';
import { sql } from 'kysely';

/** What one delivery needs to know about its event and organization, read fresh per job. */
export interface DeliveryTarget {
  eventId: string;
  orgId: string;
  type: string;
  /** The payload as JSON text. */
  payload: string;
  status: 'pending' | 'delivered' | 'failed';
  attempts: number;
  createdAt: Date;
  webhookUrl: string | null;
  /** The current secret first, then the previous one while its rotation grace lasts. */
  secrets: string[];
}

interface TargetRow {
  id: string;
  org_id: string;
  type: string;
  payload: string;
  status: DeliveryTarget['status'];
  attempts: number;
  created_at: Date;
  webhook_url: string | null;
  webhook_secret: string | null;
  previous_secret: string | null;
}

/** The events of a batch of jobs with their organizations' webhook settings, in one query. */
export async function findDeliveryTargets(db: Db, eventIds: string[]): Promise<Map<string, DeliveryTarget>> {
  const { rows } = await sql<TargetRow>`
    SELECT e.id, e.org_id, e.type, e.payload::text AS payload, e.status, e.attempts, e.created_at,
      o.webhook_url, o.webhook_secret,
      CASE WHEN o.previous_secret_expires_at > now() THEN o.previous_webhook_secret END AS previous_secret
    FROM events e JOIN organizations o ON o.id = e.org_id
    WHERE e.id = ANY(${eventIds}::uuid[])`.execute(db);
  return new Map(
    rows.map((r) => [
      r.id,
      {
        eventId: r.id,
        orgId: r.org_id,
        type: r.type,
        payload: r.payload,
        status: r.status,
        attempts: r.attempts,
        createdAt: r.created_at,
        webhookUrl: r.webhook_url,
        secrets: [r.webhook_secret, r.previous_secret].filter((s): s is string => s !== null),
      },
    ]),
  );
}

/** How an attempt leaves its event. */
export type EventEffect = 'delivered' | 'retrying' | 'failed';

export interface AttemptRecord {
  eventId: string;
  attempt: number;
  statusCode: number | null;
  error: string | null;
  durationMs: number;
  attemptedAt: Date;
  effect: EventEffect;
}

/**
 * Records attempts and brings their events up to date, in one statement: `attempts` goes up by
 * one with each recorded attempt; a success marks the event delivered; a final failure marks it
 * failed unless it was acknowledged meanwhile; a failure with retries left keeps its status.
 * Rows are taken in id order so concurrent writers cannot deadlock.
 */
export async function recordAttempts(db: Db, records: AttemptRecord[]): Promise<void> {
  if (records.length === 0) return;
  const sorted = [...records].sort((a, b) => (a.eventId < b.eventId ? -1 : a.eventId > b.eventId ? 1 : 0));
  await sql`
    WITH input AS (
      SELECT * FROM unnest(
        ${sorted.map((r) => r.eventId)}::uuid[], ${sorted.map((r) => r.attempt)}::int[],
        ${sorted.map((r) => r.statusCode)}::int[], ${sorted.map((r) => r.error)}::text[],
        ${sorted.map((r) => r.durationMs)}::int[], ${sorted.map((r) => r.attemptedAt.toISOString())}::timestamptz[],
        ${sorted.map((r) => r.effect)}::text[]
      ) AS i (event_id, attempt, status_code, error, duration_ms, attempted_at, effect)
    ),
    updated AS (
      UPDATE events e SET
        attempts = e.attempts + 1,
        status = CASE
          WHEN i.effect = 'delivered' THEN 'delivered'
          WHEN i.effect = 'failed' AND e.status <> 'delivered' THEN 'failed'
          ELSE e.status END,
        delivered_at = CASE WHEN i.effect = 'delivered' THEN i.attempted_at + i.duration_ms * interval '1 millisecond' ELSE e.delivered_at END,
        last_error = CASE WHEN i.effect = 'delivered' THEN NULL ELSE i.error END
      FROM input i
      WHERE e.id = i.event_id
      RETURNING e.id
    )
    INSERT INTO delivery_attempts (event_id, attempt, status_code, error, duration_ms, attempted_at)
    SELECT i.event_id, i.attempt, i.status_code, i.error, i.duration_ms, i.attempted_at
    FROM input i
    WHERE i.event_id IN (SELECT id FROM updated)`.execute(db);
}

/**
 * A `410 Gone` switches the organization's webhook off, unless the organization has meanwhile
 * configured another URL.
 */
export async function disableWebhook(db: Db, orgId: string, url: string): Promise<boolean> {
  const result = await db
    .updateTable('organizations')
    .set({ webhook_url: null, updated_at: new Date() })
    .where('id', '=', orgId)
    .where('webhook_url', '=', url)
    .executeTakeFirst();
  return result.numUpdatedRows > 0n;
}
