-- Subscriptions: many target URLs per organization, each with its event-type patterns, secret and
-- status; one delivery per event and subscription. The organization's v1 webhook columns become
-- its default subscription (event_types ["*"]), and v1 events still waiting for delivery get a
-- delivery of it, with their queued jobs pointed at that delivery.

CREATE TABLE subscriptions (
  id                          uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  org_id                      uuid        NOT NULL REFERENCES organizations (id) ON DELETE CASCADE,
  target_url                  text        NOT NULL,
  event_types                 text[]      NOT NULL CHECK (cardinality(event_types) BETWEEN 1 AND 50),
  description                 text,
  status                      text        NOT NULL DEFAULT 'active' CHECK (status IN ('active', 'paused', 'disabled')),
  disabled_reason             text        CHECK (disabled_reason IN ('gone', 'failing')),
  disabled_at                 timestamptz,
  -- The v1 webhook (`/api/webhook/config`): at most one per organization.
  is_default                  boolean     NOT NULL DEFAULT false,
  secret                      text        NOT NULL,
  previous_secret             text,
  previous_secret_expires_at  timestamptz,
  -- The first failed attempt since the last success: auto-disable counts from here.
  failing_since               timestamptz,
  created_at                  timestamptz NOT NULL DEFAULT date_trunc('milliseconds', now()),
  updated_at                  timestamptz NOT NULL DEFAULT date_trunc('milliseconds', now()),
  CHECK ((status = 'disabled') = (disabled_reason IS NOT NULL))
);
CREATE UNIQUE INDEX subscriptions_one_default_per_org ON subscriptions (org_id) WHERE is_default;
-- Listing, newest first, and the fan-out's look-up of an organization's subscriptions.
CREATE INDEX subscriptions_org_created_idx ON subscriptions (org_id, created_at DESC, id DESC);

-- One row per event and subscription (Svix's messagedestination). `job_id` is the queue job that
-- currently carries it (null while its subscription is paused): a worker writes a result only for
-- the job it holds. `round_attempts_base` is `attempts` when the current round (the first
-- delivery, or the latest redelivery) began: a round has WEBHOOK_MAX_ATTEMPTS attempts.
CREATE TABLE deliveries (
  id                   uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  event_id             uuid        NOT NULL REFERENCES events (id) ON DELETE CASCADE,
  -- No foreign key: a deleted subscription's deliveries stay, as history of the event.
  subscription_id      uuid        NOT NULL,
  org_id               uuid        NOT NULL,
  status               text        NOT NULL DEFAULT 'pending' CHECK (status IN ('pending', 'delivered', 'failed', 'cancelled')),
  attempts             integer     NOT NULL DEFAULT 0,
  round_attempts_base  integer     NOT NULL DEFAULT 0,
  last_error           text,
  job_id               uuid,
  next_attempt_at      timestamptz,
  last_attempt_at      timestamptz,
  delivered_at         timestamptz,
  created_at           timestamptz NOT NULL DEFAULT date_trunc('milliseconds', now()),
  UNIQUE (event_id, subscription_id)
);
-- A subscription's pending deliveries: cancelled on delete, queued again on resume.
CREATE INDEX deliveries_subscription_pending_idx ON deliveries (subscription_id) WHERE status = 'pending';
-- Pending deliveries with no job (their subscription was paused): queued when it is active again.
CREATE INDEX deliveries_unqueued_idx ON deliveries (subscription_id) WHERE status = 'pending' AND job_id IS NULL;

ALTER TABLE delivery_attempts ADD COLUMN subscription_id uuid;

-- v1 webhooks become default subscriptions.
INSERT INTO subscriptions (org_id, target_url, event_types, is_default, secret, previous_secret,
  previous_secret_expires_at, created_at, updated_at)
SELECT id, webhook_url, ARRAY['*'], true, webhook_secret,
  CASE WHEN previous_secret_expires_at > now() THEN previous_webhook_secret END,
  CASE WHEN previous_secret_expires_at > now() THEN previous_secret_expires_at END,
  updated_at, updated_at
FROM organizations
WHERE webhook_url IS NOT NULL AND webhook_secret IS NOT NULL;

-- Their past attempts belong to that subscription.
UPDATE delivery_attempts a SET subscription_id = s.id
FROM events e JOIN subscriptions s ON s.org_id = e.org_id AND s.is_default
WHERE a.event_id = e.id;

-- v1 events not yet delivered get a delivery of the default subscription, carrying their history.
INSERT INTO deliveries (event_id, subscription_id, org_id, status, attempts, round_attempts_base, last_error, created_at)
SELECT e.id, s.id, e.org_id, e.status, e.attempts, 0, e.last_error, e.created_at
FROM events e JOIN subscriptions s ON s.org_id = e.org_id AND s.is_default
WHERE e.status IN ('pending', 'failed') AND e.acknowledged_at IS NULL;

-- Their queued v1 jobs ({"eventId","orgId"}) now carry the delivery, grouped by subscription.
-- (pg-boss's schema exists only once pg-boss has started on this database.)
DO $$
BEGIN
  IF to_regclass('pgboss.job') IS NOT NULL THEN
    UPDATE pgboss.job j
    SET data = j.data || jsonb_build_object('deliveryId', d.id, 'subscriptionId', d.subscription_id),
        group_id = d.subscription_id::text
    FROM deliveries d
    WHERE j.name = 'event-delivery' AND j.state IN ('created', 'retry', 'active')
      AND (j.data->>'eventId')::uuid = d.event_id;
    UPDATE deliveries d SET job_id = j.id
    FROM pgboss.job j
    WHERE j.name = 'event-delivery' AND j.state IN ('created', 'retry', 'active')
      AND (j.data->>'deliveryId')::uuid = d.id;
  END IF;
END $$;

ALTER TABLE organizations
  DROP COLUMN webhook_url,
  DROP COLUMN webhook_secret,
  DROP COLUMN previous_webhook_secret,
  DROP COLUMN previous_secret_expires_at;
