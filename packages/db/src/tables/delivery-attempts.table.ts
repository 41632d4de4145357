import type { ColumnType, Generated, Insertable, Selectable } from 'kysely';

export interface DeliveryAttemptsTable {
  id: Generated<string>;
  event_id: string;
  /** Null only for attempts of a v1 organization that had no webhook left when it was migrated. */
  subscription_id: string | null;
  /** The event's organization, set by a trigger on insert (null on attempts older than migration 0007's day). */
  org_id: ColumnType<string | null, never, never>;
  attempt: number;
  status_code: number | null;
  error: string | null;
  duration_ms: number;
  attempted_at: ColumnType<Date, Date | undefined, never>;
}

export type DeliveryAttempt = Selectable<DeliveryAttemptsTable>;
export type NewDeliveryAttempt = Insertable<DeliveryAttemptsTable>;
