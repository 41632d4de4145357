import type { Kysely, Transaction } from 'kysely';
import type { DeliveriesTable } from './tables/deliveries.table.js';
import type { DeliveryAttemptsTable } from './tables/delivery-attempts.table.js';
import type { EventDedupTable } from './tables/event-dedup.table.js';
import type { EventLeasesTable } from './tables/event-leases.table.js';
import type { EventsTable } from './tables/events.table.js';
import type { InboxLeasesTable } from './tables/inbox-leases.table.js';
import type { OrganizationsTable } from './tables/organizations.table.js';
import type { RateLimitWindowsTable } from './tables/rate-limit-windows.table.js';
import type { SubscriptionsTable } from './tables/subscriptions.table.js';

export interface Database {
  organizations: OrganizationsTable;
  events: EventsTable;
  event_dedup: EventDedupTable;
  subscriptions: SubscriptionsTable;
  deliveries: DeliveriesTable;
  delivery_attempts: DeliveryAttemptsTable;
  rate_limit_windows: RateLimitWindowsTable;
  inbox_leases: InboxLeasesTable;
  event_leases: EventLeasesTable;
}

/** The database or a transaction: what repository functions take as their first argument. */
export type Db = Kysely<Database> | Transaction<Database>;
