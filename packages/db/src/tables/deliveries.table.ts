import type { ColumnType, Generated, Insertable, Selectable } from 'kysely';

export const DELIVERY_STATUSES = ['pending', 'delivered', 'failed', 'cancelled'] as const;
export type DeliveryStatus = (typeof DELIVERY_STATUSES)[number];

export interface DeliveriesTable {
  id: Generated<string>;
  event_id: string;
  subscription_id: string;
  org_id: string;
  status: ColumnType<DeliveryStatus, DeliveryStatus | undefined, DeliveryStatus>;
  attempts: ColumnType<number, number | undefined, number>;
  round_attempts_base: ColumnType<number, number | undefined, number>;
  last_error: string | null;
  job_id: string | null;
  next_attempt_at: Date | null;
  last_attempt_at: Date | null;
  delivered_at: Date | null;
  created_at: ColumnType<Date, Date | undefined, never>;
}

export type Delivery = Selectable<DeliveriesTable>;
export type NewDelivery = Insertable<DeliveriesTable>;
