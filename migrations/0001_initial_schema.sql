-- Triggers API: organizations, events, dedup records, delivery attempts and rate-limit windows.
-- pg-boss owns its own schema ("pgboss"); these are ours.

CREATE TABLE organizations (
  id                          uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  name                        text        NOT NULL CHECK (char_length(name) BETWEEN 1 AND 255),
  tier                        text        NOT NULL DEFAULT 'free' CHECK (tier IN ('free', 'pro', 'business', 'enterprise')),
  -- The non-secret leading part of the current key: looked up first, so an unknown
  -- key costs one index probe and no argon2 work.
  key_prefix                  text        NOT NULL,
  -- argon2id hash of the whole key; the key itself is never stored.
  key_hash                    text        NOT NULL,
  key_rotated_at              timestamptz,
  webhook_url                 text,
  webhook_secret              text,
  previous_webhook_secret     text,
  previous_secret_expires_at  timestamptz,
  created_at                  timestamptz NOT NULL DEFAULT now(),
  updated_at                  timestamptz NOT NULL DEFAULT now()
);
CREATE UNIQUE INDEX organizations_key_prefix_key ON organizations (key_prefix);

CREATE TABLE events (
  id               uuid PRIMARY KEY,
  org_id           uuid        NOT NULL REFERENCES organizations (id) ON DELETE CASCADE,
  type             text        NOT NULL,
  payload          jsonb       NOT NULL,
  dedup_id         text,
  status           text        NOT NULL DEFAULT 'pending' CHECK (status IN ('pending', 'delivered', 'failed')),
  attempts         integer     NOT NULL DEFAULT 0,
  last_error       text,
  -- Millisecond precision, so a time read into JavaScript and back (an inbox cursor) is exact.
  created_at       timestamptz NOT NULL DEFAULT date_trunc('milliseconds', now()),
  delivered_at     timestamptz,
  acknowledged_at  timestamptz
);
-- The inbox: one organization's events newest first, optionally of one status.
CREATE INDEX events_org_status_created_idx ON events (org_id, status, created_at DESC, id DESC);
-- The inbox's default view (not yet delivered or acknowledged).
CREATE INDEX events_org_undelivered_created_idx ON events (org_id, created_at DESC, id DESC)
  WHERE status IN ('pending', 'failed');

-- One row per (organization, dedup_id); a row whose window has passed is taken over by the
-- next event that uses the id. The primary key makes concurrent duplicates wait for each other.
CREATE TABLE event_dedup (
  org_id      uuid        NOT NULL REFERENCES organizations (id) ON DELETE CASCADE,
  dedup_id    text        NOT NULL,
  event_id    uuid        NOT NULL,
  expires_at  timestamptz NOT NULL,
  PRIMARY KEY (org_id, dedup_id)
);
CREATE INDEX event_dedup_expires_idx ON event_dedup (expires_at);

CREATE TABLE delivery_attempts (
  id            bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  event_id      uuid        NOT NULL REFERENCES events (id) ON DELETE CASCADE,
  attempt       integer     NOT NULL,
  status_code   integer,
  error         text,
  duration_ms   integer     NOT NULL,
  attempted_at  timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX delivery_attempts_event_idx ON delivery_attempts (event_id, attempt);

-- Requests counted per organization and fixed 60-second window, shared by every API process.
-- API processes claim blocks of the window's budget here and spend them in memory.
CREATE TABLE rate_limit_windows (
  org_id        uuid        NOT NULL REFERENCES organizations (id) ON DELETE CASCADE,
  window_start  timestamptz NOT NULL,
  claimed       integer     NOT NULL DEFAULT 0,
  -- How much the latest claim was granted (an UPDATE's RETURNING cannot see the old value).
  last_grant    integer     NOT NULL DEFAULT 0,
  PRIMARY KEY (org_id, window_start)
);
CREATE INDEX rate_limit_windows_start_idx ON rate_limit_windows (window_start);
