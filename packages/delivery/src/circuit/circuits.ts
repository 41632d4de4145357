import type { Database, Db } from '@triggers/db';
import { sql, type Transaction } from 'kysely';
import {
  type AttemptResult,
  type BreakerSettings,
  type CircuitChange,
  type CircuitState,
  HALF_OPEN_RECHECK_SECONDS,
  nextCircuit,
  rampSeconds,
} from './circuit-policy.js';

/**
 * A closed circuit with no streak: what a subscription gets when it is given a new target URL or
 * its status is set (re-enabled, paused or resumed), as its failing streak is cleared too.
 */
export const RESET_CIRCUIT = {
  circuit_state: 'closed',
  consecutive_failures: 0,
  circuit_opened_at: null,
  circuit_next_probe_at: null,
  circuit_cooloff_seconds: null,
  circuit_probe_job_id: null,
} as const;

/** A circuit that changed state, for the worker's log line and metrics. */
export interface CircuitTransition {
  subscriptionId: string;
  orgId: string;
  change: CircuitChange | 'half_opened';
  state: CircuitState;
  consecutiveFailures: number;
  cooloffSeconds: number | null;
  nextProbeAt: Date | null;
}

/** One attempt's result, as recordOutcomes passes it. */
export interface CircuitAttempt extends AttemptResult {
  subscriptionId: string;
  attemptedAt: Date;
}

interface LockedRow {
  id: string;
  circuit_state: CircuitState;
  consecutive_failures: number;
  circuit_cooloff_seconds: number | null;
  circuit_probe_job_id: string | null;
}

/**
 * The breaker's transitions for a committed group of attempts, in the caller's transaction
 * (recordOutcomes): each subscription's row is locked (in id order, as the rest of recordOutcomes
 * does), its streak and state moved by nextCircuit, and the times set from the database's clock.
 * Resolves to the circuits that opened, reopened or closed.
 */
export async function updateCircuits(
  trx: Transaction<Database>,
  attempts: readonly CircuitAttempt[],
  settings: BreakerSettings,
): Promise<CircuitTransition[]> {
  if (attempts.length === 0) return [];
  const bySubscription = new Map<string, CircuitAttempt[]>();
  for (const a of attempts) bySubscription.set(a.subscriptionId, [...(bySubscription.get(a.subscriptionId) ?? []), a]);
  const ids = [...bySubscription.keys()].sort();
  const { rows: locked } = await sql<LockedRow>`
    SELECT id, circuit_state, consecutive_failures, circuit_cooloff_seconds, circuit_probe_job_id
    FROM subscriptions WHERE id = ANY(${ids}::uuid[]) ORDER BY id FOR UPDATE`.execute(trx);

  const updates = locked.map((row) => {
    const results = [...(bySubscription.get(row.id) ?? [])].sort((a, b) => a.attemptedAt.getTime() - b.attemptedAt.getTime());
    const next = nextCircuit(
      {
        state: row.circuit_state,
        consecutiveFailures: row.consecutive_failures,
        cooloffSeconds: row.circuit_cooloff_seconds,
        probeJobId: row.circuit_probe_job_id,
      },
      results,
      settings,
    );
    return { id: row.id, ...next };
  });
  if (updates.length === 0) return [];
  const col = <T>(f: (u: (typeof updates)[number]) => T) => updates.map(f);
  const { rows } = await sql<{
    id: string;
    org_id: string;
    change: CircuitChange | null;
    circuit_state: CircuitState;
    consecutive_failures: number;
    circuit_cooloff_seconds: number | null;
    circuit_next_probe_at: Date | null;
  }>`
    UPDATE subscriptions s SET
      circuit_state = i.state,
      consecutive_failures = i.failures,
      circuit_cooloff_seconds = i.cooloff,
      circuit_opened_at = CASE i.change WHEN 'opened' THEN now() WHEN 'closed' THEN NULL ELSE s.circuit_opened_at END,
      circuit_next_probe_at = CASE
        WHEN i.change IN ('opened', 'reopened') THEN now() + make_interval(secs => i.cooloff)
        WHEN i.state = 'closed' THEN NULL
        ELSE s.circuit_next_probe_at END,
      circuit_probe_job_id = CASE WHEN i.change IS NULL THEN s.circuit_probe_job_id END,
      circuit_closed_at = CASE WHEN i.change = 'closed' THEN now() ELSE s.circuit_closed_at END
    FROM unnest(${col((u) => u.id)}::uuid[], ${col((u) => u.state)}::text[], ${col((u) => u.consecutiveFailures)}::int[],
      ${col((u) => u.cooloffSeconds)}::int[], ${col((u) => u.change ?? null)}::text[]) AS i (id, state, failures, cooloff, change)
    WHERE s.id = i.id
    RETURNING s.id, s.org_id, i.change, s.circuit_state, s.consecutive_failures, s.circuit_cooloff_seconds, s.circuit_next_probe_at`.execute(
    trx,
  );
  return rows
    .filter((r) => r.change !== null)
    .map((r) => ({
      subscriptionId: r.id,
      orgId: r.org_id,
      change: r.change as CircuitChange,
      state: r.circuit_state,
      consecutiveFailures: r.consecutive_failures,
      cooloffSeconds: r.circuit_cooloff_seconds,
      nextProbeAt: r.circuit_next_probe_at,
    }));
}

/** What a worker should do with a delivery of a subscription whose circuit it found not closed. */
export type Admission = { kind: 'attempt' } | { kind: 'probe'; transition: CircuitTransition } | { kind: 'hold'; until: Date };

/**
 * The gate of an open or half-open circuit, for one delivery job: once the cool-off is over (or a
 * probe has gone unanswered past `probeTimeoutSeconds`), the first job to ask becomes the probe
 * and the circuit half-opens; any other is held until the circuit's next probe time (while a probe
 * is in flight, HALF_OPEN_RECHECK_SECONDS at most). A circuit that closed meanwhile lets it through.
 */
export async function admitThroughCircuit(
  db: Db,
  subscriptionId: string,
  jobId: string,
  probeTimeoutSeconds: number,
): Promise<Admission> {
  const { rows } = await sql<{
    org_id: string;
    consecutive_failures: number;
    circuit_cooloff_seconds: number | null;
    circuit_next_probe_at: Date;
  }>`
    UPDATE subscriptions SET circuit_state = 'half_open', circuit_probe_job_id = ${jobId},
      circuit_next_probe_at = now() + make_interval(secs => ${probeTimeoutSeconds})
    WHERE id = ${subscriptionId} AND circuit_state <> 'closed' AND circuit_next_probe_at <= now()
    RETURNING org_id, consecutive_failures, circuit_cooloff_seconds, circuit_next_probe_at`.execute(db);
  const probe = rows[0];
  if (probe) {
    return {
      kind: 'probe',
      transition: {
        subscriptionId,
        orgId: probe.org_id,
        change: 'half_opened',
        state: 'half_open',
        consecutiveFailures: probe.consecutive_failures,
        cooloffSeconds: probe.circuit_cooloff_seconds,
        nextProbeAt: probe.circuit_next_probe_at,
      },
    };
  }
  const { rows: current } = await sql<{ circuit_state: CircuitState; until: Date | null }>`
    SELECT circuit_state, CASE WHEN circuit_state = 'half_open'
      THEN least(circuit_next_probe_at, now() + make_interval(secs => ${HALF_OPEN_RECHECK_SECONDS}))
      ELSE circuit_next_probe_at END AS until
    FROM subscriptions WHERE id = ${subscriptionId}`.execute(db);
  const row = current[0];
  if (!row || row.circuit_state === 'closed' || row.until === null) return { kind: 'attempt' };
  return { kind: 'hold', until: row.until };
}

/** What the workers' fetches leave out, and how far each recovering subscription has ramped. */
export interface CircuitHolds {
  /** Subscriptions whose deliveries wait: circuit open in its cool-off, or half-open with its probe in flight. */
  held: string[];
  /** Subscriptions whose circuit closed recently, with the seconds since (see rampLimit). */
  ramping: Map<string, number>;
}

/** The circuits that hold deliveries back now, for the workers' fetches (active subscriptions only). */
export async function findCircuitHolds(db: Db, maxInFlight: number): Promise<CircuitHolds> {
  const { rows } = await sql<{ id: string; held: boolean; since_closed: number | null }>`
    SELECT id, true AS held, NULL::float8 AS since_closed FROM subscriptions
    WHERE circuit_state <> 'closed' AND circuit_next_probe_at > now() AND status = 'active'
    UNION ALL
    SELECT id, false, extract(epoch FROM now() - circuit_closed_at)::float8 FROM subscriptions
    WHERE circuit_closed_at > now() - make_interval(secs => ${rampSeconds(maxInFlight)}) AND circuit_state = 'closed'
      AND status = 'active'`.execute(db);
  return {
    held: rows.filter((r) => r.held).map((r) => r.id),
    ramping: new Map(rows.filter((r) => !r.held).map((r) => [r.id, r.since_closed ?? 0])),
  };
}

/** Subscriptions by circuit state, for the metrics. */
export async function countCircuits(db: Db): Promise<Record<CircuitState, number>> {
  const { rows } = await sql<{ circuit_state: CircuitState; n: number }>`
    SELECT circuit_state, count(*)::int AS n FROM subscriptions WHERE status <> 'disabled' GROUP BY circuit_state`.execute(db);
  const counts: Record<CircuitState, number> = { closed: 0, open: 0, half_open: 0 };
  for (const r of rows) counts[r.circuit_state] = r.n;
  return counts;
}
