import type { ColumnType, Generated, Insertable, Selectable, Updateable } from 'kysely';

export const SUBSCRIPTION_STATUSES = ['active', 'paused', 'disabled'] as const;
export type SubscriptionStatus = (typeof SUBSCRIPTION_STATUSES)[number];
/** Why a subscription was disabled: the target answered 410, or it kept failing. */
export type DisabledReason = 'gone' | 'failing';
/** Its circuit breaker: closed (deliveries flow), open (held back), half_open (one probe in flight). */
export type CircuitState = 'closed' | 'open' | 'half_open';

export interface SubscriptionsTable {
  id: Generated<string>;
  org_id: string;
  target_url: string;
  event_types: string[];
  description: string | null;
  status: ColumnType<SubscriptionStatus, SubscriptionStatus | undefined, SubscriptionStatus>;
  disabled_reason: DisabledReason | null;
  disabled_at: Date | null;
  is_default: ColumnType<boolean, boolean | undefined, boolean>;
  secret: string;
  previous_secret: string | null;
  previous_secret_expires_at: Date | null;
  failing_since: Date | null;
  circuit_state: ColumnType<CircuitState, CircuitState | undefined, CircuitState>;
  consecutive_failures: ColumnType<number, number | undefined, number>;
  circuit_opened_at: Date | null;
  circuit_next_probe_at: Date | null;
  circuit_cooloff_seconds: number | null;
  circuit_probe_job_id: string | null;
  circuit_closed_at: Date | null;
  created_at: ColumnType<Date, Date | undefined, never>;
  updated_at: ColumnType<Date, Date | undefined, Date>;
}

export type Subscription = Selectable<SubscriptionsTable>;
export type NewSubscription = Insertable<SubscriptionsTable>;
export type SubscriptionUpdate = Updateable<SubscriptionsTable>;
