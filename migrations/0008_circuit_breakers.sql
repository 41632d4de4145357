-- A circuit breaker per subscription (issue 10). Its state lives here, so every worker sees it:
-- closed (deliveries flow), open (deliveries held back, not attempted, not counted, until
-- circuit_next_probe_at), half_open (one probe delivery in flight).
ALTER TABLE subscriptions
  ADD COLUMN circuit_state text NOT NULL DEFAULT 'closed' CHECK (circuit_state IN ('closed', 'open', 'half_open')),
  -- Failed attempts in a row; a success resets it. At BREAKER_FAILURE_THRESHOLD the circuit opens.
  ADD COLUMN consecutive_failures integer NOT NULL DEFAULT 0,
  ADD COLUMN circuit_opened_at timestamptz,
  -- open: when the probe may go. half_open: when a probe still unanswered is given up, and another may go.
  ADD COLUMN circuit_next_probe_at timestamptz,
  -- The cool-off in force: BREAKER_COOLOFF_SECONDS, doubled at each failed probe, at most an hour.
  ADD COLUMN circuit_cooloff_seconds integer,
  -- half_open: the delivery job that is the probe.
  ADD COLUMN circuit_probe_job_id uuid,
  -- When the circuit last closed after being open: its deliveries ramp up from there.
  ADD COLUMN circuit_closed_at timestamptz,
  ADD CHECK ((circuit_state = 'closed') = (circuit_next_probe_at IS NULL));

-- The workers' look-ups: circuits not closed, and circuits closed recently (ramping up).
CREATE INDEX subscriptions_circuit_not_closed_idx ON subscriptions (circuit_next_probe_at) WHERE circuit_state <> 'closed';
CREATE INDEX subscriptions_circuit_closed_at_idx ON subscriptions (circuit_closed_at) WHERE circuit_closed_at IS NOT NULL;
