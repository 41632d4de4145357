import type { Insertable, Selectable } from 'kysely';

/** Which lease holds an event (one row per event); `expires_at` is the lease's. */
export interface EventLeasesTable {
  event_id: string;
  lease_id: string;
  expires_at: Date;
}

export type EventLease = Selectable<EventLeasesTable>;
export type NewEventLease = Insertable<EventLeasesTable>;
