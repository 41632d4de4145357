import type { Config } from '@triggers/config';
import { traceContextPropagator } from '@triggers/telemetry';
import { type ConstructorOptions, PgBoss } from 'pg-boss';

type IDatabase = NonNullable<ConstructorOptions['db']>;

import { BOSS_SCHEMA, DEAD_LETTER_QUEUE, DELIVERY_QUEUE, FANOUT_QUEUE } from './names.js';
import { deliveryQueuePolicy, fanOutQueuePolicy } from './policy.js';
import { jobRetention } from './retention.js';

export interface CreateBossOptions {
  /** Run statements through this adapter (the API shares its own pool) instead of a pool of pg-boss's. */
  db?: IDatabase;
  /**
   * Pool size when pg-boss owns its pool. That pool, and LISTEN, connect to DATABASE_DIRECT_URL:
   * LISTEN needs a session of its own, which a transaction-mode pooler does not keep.
   */
  max?: number;
  /** Maintenance (expiry, retention, dead letters): on in workers, off in the API. */
  supervise?: boolean;
  /** LISTEN for new jobs so workers wake at once (needs a pool of pg-boss's own). */
  useListenNotify?: boolean;
  instanceName: string;
  extra?: Partial<ConstructorOptions>;
}

export function createBoss(config: Config, options: CreateBossOptions): PgBoss {
  return new PgBoss({
    ...(options.db ? { db: options.db } : { connectionString: config.databaseDirectUrl, max: options.max ?? 5 }),
    schema: BOSS_SCHEMA,
    application_name: `triggers-${options.instanceName}`,
    instanceName: options.instanceName,
    migrate: config.migrateOnStart,
    supervise: options.supervise ?? false,
    schedule: false,
    useListenNotify: options.useListenNotify ?? false,
    // pg-boss's own spans (send, fetch, process, settle) and the trace context it stores on each
    // job (W3C only, no baggage): off entirely when tracing is. Each job's data also carries its
    // event's context, since one insert or fetch spans many events (README, Tracing).
    openTelemetry: {
      enabled: config.tracing.enabled,
      propagateContext: true,
      propagator: traceContextPropagator,
    },
    ...options.extra,
  });
}

/**
 * Creates the fan-out queue, the delivery queue and its dead-letter queue, or brings an existing one's policy in
 * line with the current config. Every process that sends or works jobs calls this after start.
 */
export async function setupQueues(boss: PgBoss, config: Config): Promise<void> {
  const policy = deliveryQueuePolicy(config);
  const { deadLetterSeconds } = jobRetention(config);
  // A dead-lettered copy is read once by a worker (its delivery failed if still pending, see
  // packages/delivery's failDeadLetteredDeliveries) and kept, completed, for deadLetterSeconds.
  const deadLetterPolicy = { retentionSeconds: deadLetterSeconds, deleteAfterSeconds: deadLetterSeconds };
  if (await boss.getQueue(DEAD_LETTER_QUEUE)) {
    await boss.updateQueue(DEAD_LETTER_QUEUE, deadLetterPolicy);
  } else {
    await createIfMissing(boss, DEAD_LETTER_QUEUE, { policy: 'standard', ...deadLetterPolicy });
  }
  await createOrUpdate(boss, DELIVERY_QUEUE, { ...policy, deadLetter: DEAD_LETTER_QUEUE });
  await createOrUpdate(boss, FANOUT_QUEUE, fanOutQueuePolicy(config));
}

async function createOrUpdate(boss: PgBoss, name: string, options: Parameters<PgBoss['createQueue']>[1] & object): Promise<void> {
  if (await boss.getQueue(name)) {
    const { policy: _fixed, ...changeable } = options;
    await boss.updateQueue(name, changeable);
  } else {
    await createIfMissing(boss, name, options);
  }
}

/** createQueue, tolerating another process having created the same queue a moment earlier. */
async function createIfMissing(boss: PgBoss, name: string, options: Parameters<PgBoss['createQueue']>[1]): Promise<void> {
  try {
    await boss.createQueue(name, options);
  } catch (error) {
    if (!(await boss.getQueue(name))) throw error;
  }
}
