-- Issue 7: two rate-limit budgets, the inbox's type filter, and leases for competing pull consumers.

-- Rate limits: each organization has an events budget and a requests budget per window
-- (API.md v2, "Tiers and rate limits"), both shared by every API process through these rows.
-- Windows last a minute and are forgotten after five, so existing rows simply become the
-- requests budget's.
ALTER TABLE rate_limit_windows
  ADD COLUMN budget text NOT NULL DEFAULT 'requests' CHECK (budget IN ('events', 'requests'));
ALTER TABLE rate_limit_windows ALTER COLUMN budget DROP DEFAULT;
ALTER TABLE rate_limit_windows DROP CONSTRAINT rate_limit_windows_pkey;
ALTER TABLE rate_limit_windows ADD PRIMARY KEY (org_id, budget, window_start);

-- The inbox's `type` filter (an exact type or a `prefix.*` pattern). Types are compared in the
-- "C" collation (byte order), so a prefix is the index range [prefix, prefix with its final '.'
-- replaced by '/'), whatever the database's collation.
-- The default view and leasing (pending and failed, not acknowledged) by type, in time order
-- either way; a prefix pattern walks the distinct types of this index.
CREATE INDEX events_org_type_undelivered_idx ON events (org_id, type COLLATE "C", created_at DESC, id DESC)
  WHERE status IN ('pending', 'failed');
-- One status by type, newest first.
CREATE INDEX events_org_status_type_created_idx ON events (org_id, status, type COLLATE "C", created_at DESC, id DESC);

-- A lease: a pull consumer's hold on some of its organization's events until expires_at.
-- Leases live here, not in an API process, so any process finds one by its id.
CREATE TABLE inbox_leases (
  id          uuid PRIMARY KEY,
  org_id      uuid        NOT NULL REFERENCES organizations (id) ON DELETE CASCADE,
  expires_at  timestamptz NOT NULL,
  created_at  timestamptz NOT NULL DEFAULT now()
);
-- Expired leases (and their event_leases rows) are deleted by the worker's janitor.
CREATE INDEX inbox_leases_expires_idx ON inbox_leases (expires_at);

-- Which lease holds an event, one row per event (the primary key makes "one lease at a time"
-- a constraint). expires_at is the lease's, copied so that a leasing statement checks a hold
-- with one index probe and so that an extension and a concurrent lease of the same event
-- meet on this row (the later waits for the earlier and sees its expiry). A row whose lease
-- has expired holds nothing; the next lease of the event takes the row over.
-- Kept apart from `events`, so that leasing does not write a new version of the event row (and
-- an entry in each of its indexes); and without foreign keys, so that events can be removed or
-- partitioned freely and a lease of 100 events costs no 100 key checks: the janitor that
-- deletes expired leases deletes their rows here too.
CREATE TABLE event_leases (
  event_id    uuid PRIMARY KEY,
  lease_id    uuid        NOT NULL,
  expires_at  timestamptz NOT NULL
);
CREATE INDEX event_leases_lease_idx ON event_leases (lease_id);
