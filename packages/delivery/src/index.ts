export {
  type BreakerSettings,
  type CircuitChange,
  type CircuitState,
  MAX_COOLOFF_SECONDS,
  nextCircuit,
  RAMP_STEP_SECONDS,
  rampLimit,
} from './circuit/circuit-policy.js';
export {
  type Admission,
  admitThroughCircuit,
  type CircuitHolds,
  type CircuitTransition,
  countCircuits,
  findCircuitHolds,
} from './circuit/circuits.js';
export { type Acknowledgement, acknowledgeEvents } from './lifecycle/acknowledge.js';
export { cancelSubscriptionDeliveries } from './lifecycle/cancel.js';
export { type DeadLetteredJob, failDeadLetteredDeliveries, LOST_LAST_ATTEMPT } from './lifecycle/dead-letter.js';
export { type DeliveryContext, loadDeliveryContexts } from './lifecycle/delivery-context.js';
export { insertDeliveryJobs, insertFanOutJobs, type QueuedDelivery } from './lifecycle/enqueue.js';
export { findEventAttempts, findEventDeliveries } from './lifecycle/event-deliveries.js';
export { lockEvents } from './lifecycle/event-locks.js';
export { refreshEventStatuses } from './lifecycle/event-status.js';
export { fanOut } from './lifecycle/fan-out.js';
export {
  type AttemptRecord,
  type DeliveryEffect,
  type DeliveryOutcome,
  type OutcomeSettings,
  type RecordedOutcome,
  recordOutcomes,
} from './lifecycle/outcomes.js';
export { findReplayEvents, MAX_REPLAY_EVENTS, type ReplayFilter } from './lifecycle/replay.js';
export { type RequeueResult, requeueEvents } from './lifecycle/requeue.js';
export { queueUnqueuedDeliveries } from './lifecycle/unqueued.js';
export {
  MATCH_ALL,
  MAX_EVENT_TYPE_PATTERNS,
  matchesEventType,
  matchesPattern,
  type TypeCondition,
  typeCondition,
} from './matching.js';
export {
  formatDuration,
  type RetrySchedule,
  retryDelaySeconds,
  retrySchedule,
  type ScheduleStep,
  scheduleSpanSeconds,
  scheduleSteps,
  scheduleTable,
} from './retry-schedule.js';
export {
  type CreateResult,
  createSubscription,
  deleteDefaultSubscription,
  deleteSubscription,
  type LifecycleSettings,
  MAX_SUBSCRIPTIONS_PER_ORG,
  PREVIOUS_SECRET_HOURS,
  rotateSubscriptionSecret,
  type SubscriptionChanges,
  type SubscriptionInput,
  setDefaultSubscriptionUrl,
  updateSubscription,
} from './subscriptions/subscriptions.js';
export {
  findDefaultSubscription,
  findSubscription,
  listSubscriptions,
  type SubscriptionPosition,
} from './subscriptions/subscriptions.repository.js';
