import type { components, operations } from './generated/openapi.js';

type Schema<Name extends keyof components['schemas']> = components['schemas'][Name];

export type Tier = Schema<'GenerateKeyRequest'>['tier'] & string;
export type GenerateKeyRequest = Schema<'GenerateKeyRequest'>;
export type GeneratedKey = Schema<'GeneratedKey'>;
export type Organization = Schema<'Organization'>;
export type RotatedKey = Schema<'RotatedKey'>;

export type WebhookConfig = Schema<'WebhookConfig'>;
export type RotatedWebhookSecret = Schema<'RotatedWebhookSecret'>;

export type EventRequest = Schema<'EventRequest'>;
export type CreatedEvent = Schema<'CreatedEvent'>;
export type BatchResult = Schema<'BatchResult'>;
export type InboxEvent = Schema<'InboxEvent'>;
export type EventDetail = Schema<'EventDetail'>;
export type DeliveryAttempt = Schema<'DeliveryAttempt'>;
export type InboxPage = Schema<'InboxPage'>;
export type Acknowledged = Schema<'Acknowledged'>;
export type AckBatchResult = Schema<'AckBatchResult'>;
export type Health = Schema<'Health'>;
export type ErrorBody = Schema<'Error'>;
export type InboxQuery = NonNullable<operations['listInbox']['parameters']['query']>;
export type LeaseRequest = Schema<'LeaseRequest'>;
export type Lease = Schema<'Lease'>;
export type LeaseExtension = Schema<'LeaseExtension'>;

// Endpoints of API.md v2 that the served document does not describe yet, written to the contract.
// Each becomes an alias of its generated schema once the API serves it.

export type SubscriptionStatus = 'active' | 'paused' | 'disabled';

export interface Subscription {
  id: string;
  target_url: string;
  event_types: string[];
  description: string | null;
  status: SubscriptionStatus;
  disabled_reason: 'gone' | 'failing' | null;
  disabled_at: string | null;
  /** Its circuit breaker (API.md v2), where the API reports it. */
  circuit?: { state: 'closed' | 'open' | 'half_open'; opened_at: string | null; next_probe_at: string | null };
  created_at: string;
  updated_at: string;
}

export interface CreatedSubscription extends Subscription {
  secret: string;
}

export type SubscriptionRequest =
  | { target_url: string; event_types: string[]; description?: string }
  | { target_url: string; event: string; description?: string };

export interface SubscriptionUpdate {
  target_url?: string;
  event_types?: string[];
  description?: string;
  status?: 'active' | 'paused';
}

export interface SubscriptionPage {
  subscriptions: Subscription[];
  next_cursor: string | null;
  has_more: boolean;
}

export interface SubscriptionSecret {
  secret: string;
}

export interface RotatedSubscriptionSecret {
  secret: string;
  previous_secret_expires_at: string | null;
}

export interface Redelivered {
  id: string;
  status: 'pending';
}

export interface ReplayRequest {
  from: string;
  to: string;
  type?: string;
  status?: 'pending' | 'delivered' | 'failed';
  subscription_id?: string;
}

export interface Replayed {
  replayed: number;
}
