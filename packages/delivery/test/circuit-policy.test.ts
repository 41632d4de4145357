import { describe, expect, test } from '@jest/globals';
import {
  MAX_COOLOFF_SECONDS,
  nextCircuit,
  RAMP_STEP_SECONDS,
  rampLimit,
  type StoredCircuit,
} from '../src/circuit/circuit-policy.js';

const settings = { failureThreshold: 3, cooloffSeconds: 60 };
const closed: StoredCircuit = { state: 'closed', consecutiveFailures: 0, cooloffSeconds: null, probeJobId: null };
const fail = (jobId = 'j') => ({ jobId, succeeded: false });
const ok = (jobId = 'j') => ({ jobId, succeeded: true });

describe('nextCircuit', () => {
  test('failures below the threshold lengthen the streak of a closed circuit', () => {
    expect(nextCircuit(closed, [fail(), fail()], settings)).toEqual({
      state: 'closed',
      consecutiveFailures: 2,
      cooloffSeconds: null,
    });
  });

  test('the threshold-th failure in a row opens the circuit for the first cool-off', () => {
    expect(nextCircuit({ ...closed, consecutiveFailures: 2 }, [fail()], settings)).toEqual({
      state: 'open',
      consecutiveFailures: 3,
      cooloffSeconds: 60,
      change: 'opened',
    });
  });

  test('a success resets the streak: only failures after the last success count', () => {
    expect(nextCircuit({ ...closed, consecutiveFailures: 2 }, [fail(), ok(), fail()], settings)).toEqual({
      state: 'closed',
      consecutiveFailures: 1,
      cooloffSeconds: null,
    });
  });

  test("the probe's success closes the circuit", () => {
    const halfOpen: StoredCircuit = { state: 'half_open', consecutiveFailures: 12, cooloffSeconds: 120, probeJobId: 'p' };
    expect(nextCircuit(halfOpen, [ok('p')], settings)).toEqual({
      state: 'closed',
      consecutiveFailures: 0,
      cooloffSeconds: null,
      change: 'closed',
    });
  });

  test("the probe's failure reopens it for twice the cool-off, never more than an hour", () => {
    const halfOpen: StoredCircuit = { state: 'half_open', consecutiveFailures: 5, cooloffSeconds: 120, probeJobId: 'p' };
    expect(nextCircuit(halfOpen, [fail('p')], settings)).toEqual({
      state: 'open',
      consecutiveFailures: 6,
      cooloffSeconds: 240,
      change: 'reopened',
    });
    expect(nextCircuit({ ...halfOpen, cooloffSeconds: 3000 }, [fail('p')], settings).cooloffSeconds).toBe(MAX_COOLOFF_SECONDS);
  });

  test('failures of deliveries already in flight when it opened change nothing but the streak', () => {
    const open: StoredCircuit = { state: 'open', consecutiveFailures: 3, cooloffSeconds: 60, probeJobId: null };
    expect(nextCircuit(open, [fail('x'), fail('y')], settings)).toEqual({
      state: 'open',
      consecutiveFailures: 5,
      cooloffSeconds: 60,
    });
    const halfOpen: StoredCircuit = { state: 'half_open', consecutiveFailures: 3, cooloffSeconds: 60, probeJobId: 'p' };
    expect(nextCircuit(halfOpen, [fail('x')], settings)).toEqual({
      state: 'half_open',
      consecutiveFailures: 4,
      cooloffSeconds: 60,
    });
  });
});

describe('rampLimit', () => {
  test('after closing, 1 delivery in flight, doubling every step, up to the cap', () => {
    const at = (steps: number) => rampLimit(steps * RAMP_STEP_SECONDS, 10);
    expect([0, 1, 2, 3, 4, 5, 40].map(at)).toEqual([1, 2, 4, 8, 10, 10, 10]);
  });
});
