import type { Insertable, Selectable } from 'kysely';

export interface EventDedupTable {
  org_id: string;
  dedup_id: string;
  event_id: string;
  expires_at: Date;
}

export type EventDedup = Selectable<EventDedupTable>;
export type NewEventDedup = Insertable<EventDedupTable>;
