export { type ConnectOptions, connect, type DbHandle } from './connect.js';
export type { Database, Db } from './database.js';
export { GroupCommit, type GroupCommitOptions } from './group-commit.js';
export { MIGRATIONS_DIR, MigrationError, migrateToLatest, SqlFileMigrationProvider } from './migrate.js';
export { DATABASE_CHECK_TIMEOUT_MS, databaseAnswers } from './ping.js';
export {
  DELIVERY_STATUSES,
  type DeliveriesTable,
  type Delivery,
  type DeliveryStatus,
  type NewDelivery,
} from './tables/deliveries.table.js';
export type { DeliveryAttempt, NewDeliveryAttempt } from './tables/delivery-attempts.table.js';
export type { EventDedup, NewEventDedup } from './tables/event-dedup.table.js';
export type { EventLease, NewEventLease } from './tables/event-leases.table.js';
export {
  EVENT_STATUSES,
  type Event,
  type EventStatus,
  type EventUpdate,
  type JsonObject,
  type NewEvent,
} from './tables/events.table.js';
export type { InboxLease, NewInboxLease } from './tables/inbox-leases.table.js';
export type {
  NewOrganization,
  Organization,
  OrganizationUpdate,
  Tier,
} from './tables/organizations.table.js';
export type { RateBudget } from './tables/rate-limit-windows.table.js';
export {
  type CircuitState,
  type DisabledReason,
  type NewSubscription,
  SUBSCRIPTION_STATUSES,
  type Subscription,
  type SubscriptionStatus,
  type SubscriptionUpdate,
} from './tables/subscriptions.table.js';
export { TIER_LIMITS, TIERS } from './tiers.js';
export { isDatabaseUnavailable } from './unavailable.js';
export { isUuid, uuidv7 } from './uuid.js';
