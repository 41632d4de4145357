export { fromKysely, type GroupConcurrencyConfig, type Job, type JobWithMetadata, PgBoss } from 'pg-boss';
export { type CreateBossOptions, createBoss, setupQueues } from './boss.js';
export { ensureQueueIndexes, QUEUE_INDEXES } from './indexes.js';
export {
  BOSS_SCHEMA,
  DEAD_LETTER_QUEUE,
  DELIVERY_QUEUE,
  type DeliveryJob,
  FANOUT_QUEUE,
  type FanOutJob,
} from './names.js';
export { deliveryQueuePolicy, fanOutQueuePolicy, HEARTBEAT_SECONDS, MAX_RETRY_DELAY_SECONDS } from './policy.js';
export { oldestReadyJobSeconds } from './queue-age.js';
export { type JobRetention, jobRetention } from './retention.js';
