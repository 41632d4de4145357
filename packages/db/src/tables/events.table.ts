import type { ColumnType, Insertable, Selectable, Updateable } from 'kysely';

/** An event's status, derived from its deliveries (API.md, GET /api/events/:id). */
export const EVENT_STATUSES = ['pending', 'delivered', 'failed'] as const;
export type EventStatus = (typeof EVENT_STATUSES)[number];

/** A JSON object as stored in `events.payload` (jsonb). */
export type JsonObject = { [key: string]: unknown };

export interface EventsTable {
  id: string;
  org_id: string;
  type: string;
  payload: ColumnType<JsonObject, string, string>;
  dedup_id: string | null;
  status: ColumnType<EventStatus, EventStatus | undefined, EventStatus>;
  attempts: ColumnType<number, number | undefined, number>;
  last_error: string | null;
  created_at: ColumnType<Date, Date | undefined, never>;
  delivered_at: Date | null;
  acknowledged_at: Date | null;
}

export type Event = Selectable<EventsTable>;
export type NewEvent = Insertable<EventsTable>;
export type EventUpdate = Updateable<EventsTable>;
