import type { CircuitState } from '@triggers/db';

export type { CircuitState };

/** The longest cool-off: BREAKER_COOLOFF_SECONDS doubles at each failed probe up to this. */
export const MAX_COOLOFF_SECONDS = 3600;
/** A delivery that meets a probe in flight comes back this soon (or at the probe's deadline, if sooner). */
export const HALF_OPEN_RECHECK_SECONDS = 5;
/** After a circuit closes, each worker lets 1 delivery of it in flight, then 2, 4 … doubling every this many seconds. */
export const RAMP_STEP_SECONDS = 2;

export interface BreakerSettings {
  /** BREAKER_FAILURE_THRESHOLD: failed attempts in a row that open the circuit. */
  failureThreshold: number;
  /** BREAKER_COOLOFF_SECONDS: the first cool-off. */
  cooloffSeconds: number;
}

/** The circuit as stored (the columns recordOutcomes reads under lock). */
export interface StoredCircuit {
  state: CircuitState;
  consecutiveFailures: number;
  cooloffSeconds: number | null;
  probeJobId: string | null;
}

/** What one committed group of attempts says about one subscription, in the order they were made. */
export interface AttemptResult {
  jobId: string;
  succeeded: boolean;
}

/** How a circuit moves: opened (threshold reached), reopened (its probe failed), closed (a success). */
export type CircuitChange = 'opened' | 'reopened' | 'closed';

export interface NextCircuit {
  state: CircuitState;
  consecutiveFailures: number;
  cooloffSeconds: number | null;
  change?: CircuitChange;
}

/**
 * The breaker's rule, without the database. A success closes the circuit, whatever its state (the
 * probe's, or a delivery that was in flight when it opened). Failures add to the streak; in a
 * closed circuit a streak of `failureThreshold` opens it for `cooloffSeconds`. The probe's failure
 * opens it again for twice the last cool-off, at most an hour. Other failures while it is open or
 * half-open (deliveries already in flight when it opened) only lengthen the streak.
 */
export function nextCircuit(current: StoredCircuit, results: readonly AttemptResult[], settings: BreakerSettings): NextCircuit {
  const lastSuccess = results.map((r) => r.succeeded).lastIndexOf(true);
  if (lastSuccess >= 0) {
    const failures = results.length - 1 - lastSuccess;
    const closed: NextCircuit = { state: 'closed', consecutiveFailures: failures, cooloffSeconds: null };
    if (current.state !== 'closed') closed.change = 'closed';
    // A streak after the success can open it again at once (a flapping target).
    if (failures >= settings.failureThreshold) {
      return { state: 'open', consecutiveFailures: failures, cooloffSeconds: settings.cooloffSeconds, change: 'opened' };
    }
    return closed;
  }
  const consecutiveFailures = current.consecutiveFailures + results.length;
  if (current.state === 'closed') {
    if (consecutiveFailures >= settings.failureThreshold) {
      return { state: 'open', consecutiveFailures, cooloffSeconds: settings.cooloffSeconds, change: 'opened' };
    }
    return { state: 'closed', consecutiveFailures, cooloffSeconds: null };
  }
  if (current.state === 'half_open' && results.some((r) => r.jobId === current.probeJobId)) {
    const cooloffSeconds = Math.min(MAX_COOLOFF_SECONDS, 2 * (current.cooloffSeconds ?? settings.cooloffSeconds));
    return { state: 'open', consecutiveFailures, cooloffSeconds, change: 'reopened' };
  }
  return { state: current.state, consecutiveFailures, cooloffSeconds: current.cooloffSeconds };
}

/**
 * Deliveries of one subscription a worker may have in flight `elapsedSeconds` after its circuit
 * closed: 1, then 2, 4, 8 … doubling every RAMP_STEP_SECONDS, up to `max` (SUBSCRIPTION_MAX_IN_FLIGHT).
 */
export function rampLimit(elapsedSeconds: number, max: number): number {
  const steps = Math.max(0, Math.floor(elapsedSeconds / RAMP_STEP_SECONDS));
  return steps >= 31 ? max : Math.min(max, 2 ** steps);
}

/** How long after closing a circuit its ramp lasts, for a cap of `max`. */
export function rampSeconds(max: number): number {
  return Math.ceil(Math.log2(Math.max(1, max))) * RAMP_STEP_SECONDS;
}
