-- The dashboard's statistics (GET /api/stats) count one organization's delivery attempts of the
-- last hour or day. delivery_attempts had no organization and no time index: counting them took
-- a scan of every organization's attempts. Each attempt now carries its event's organization,
-- indexed with its time (and status code, so the count is answered from the index).

ALTER TABLE delivery_attempts ADD COLUMN org_id uuid;

-- Filled from the event on insert, so every writer of attempts gets it without a change: one
-- primary-key probe of a row the same statement has just updated.
CREATE FUNCTION delivery_attempts_set_org_id() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  IF NEW.org_id IS NULL THEN
    SELECT e.org_id INTO NEW.org_id FROM events e WHERE e.id = NEW.event_id;
  END IF;
  RETURN NEW;
END
$$;
CREATE TRIGGER delivery_attempts_set_org_id BEFORE INSERT ON delivery_attempts
  FOR EACH ROW EXECUTE FUNCTION delivery_attempts_set_org_id();

-- The statistics look back one day at most: older attempts keep a null org_id.
UPDATE delivery_attempts a SET org_id = e.org_id
FROM events e
WHERE e.id = a.event_id AND a.attempted_at > now() - interval '1 day';

CREATE INDEX delivery_attempts_org_attempted_idx ON delivery_attempts (org_id, attempted_at) INCLUDE (status_code);

-- The counts of an organization's deliveries still to be done (pending, failing, failed), each
-- stopping at 10,000: only undelivered rows are in it, so it stays small and cheap to keep.
CREATE INDEX deliveries_org_undelivered_idx ON deliveries (org_id, status) INCLUDE (attempts)
  WHERE status IN ('pending', 'failed');
