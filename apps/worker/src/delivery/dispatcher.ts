import { type CircuitHolds, RAMP_STEP_SECONDS, rampLimit } from '@triggers/delivery';
import type { DeliveryJob, GroupConcurrencyConfig, JobWithMetadata, PgBoss } from '@triggers/queue';

/** The circuit breakers' say in what is fetched (packages/delivery's circuit/). */
export interface DispatcherCircuits {
  /** The subscriptions held back now, and those ramping up after their circuit closed. */
  holds(): Promise<CircuitHolds>;
  /** How long a read of the holds serves (they live in Postgres; every worker reads them). */
  refreshMs: number;
  /** The ramp's top: SUBSCRIPTION_MAX_IN_FLIGHT. */
  rampMax: number;
  /** Puts back a job fetched past its subscription's ramp, due again at `until` (not attempted, not counted). */
  postpone(job: JobWithMetadata<DeliveryJob>, until: Date): Promise<void>;
}

export interface DispatcherOptions {
  boss: PgBoss;
  queue: string;
  /** Jobs in flight in this process at most (WORKER_CONCURRENCY). */
  concurrency: number;
  /** Jobs in flight to one subscription, across every worker (SUBSCRIPTION_MAX_IN_FLIGHT). */
  perSubscription: number | GroupConcurrencyConfig;
  /** Jobs of one organization in flight in this process (WORKER_ORG_MAX_IN_FLIGHT). */
  perOrganization: number;
  /** Most jobs one fetch takes. */
  maxFetch?: number;
  /** How long an idle loop waits before it looks again (retries coming due; jobs queued elsewhere). */
  pollingIntervalMs: number;
  /**
   * How often the jobs in flight are touched (pg-boss's heartbeat: the queue's HEARTBEAT_SECONDS,
   * halved), so that only a dead worker's jobs are failed back by the monitor.
   */
  heartbeatIntervalMs: number;
  /** Starts working a fetched batch: one promise per job, settled when that job is (it holds a slot until then). */
  handle(jobs: JobWithMetadata<DeliveryJob>[]): Promise<void>[];
  onError(error: unknown): void;
  circuits?: DispatcherCircuits;
}

/**
 * Fetches delivery jobs as slots free up, so a job's slot is free the moment that job settles (no
 * batch waits for its slowest job), and shares the slots fairly:
 * - per subscription, pg-boss's `groupConcurrency` (each job's group is its subscription, counted
 *   in the database across every worker): a tar-pit target holds at most its cap;
 * - per organization, a cap in this process: while an organization has its share in flight, the
 *   subscriptions it is seen delivering to are left out of fetches (`ignoreGroups`). A soft cap:
 *   a job of a subscription not yet seen can still come, and then that one is left out too.
 * - per circuit breaker: a subscription whose circuit is open (or half-open, its probe in flight)
 *   is left out of fetches; one whose circuit closed lately ramps up: this process lets 1 of its
 *   deliveries in flight, then 2, 4 … doubling every RAMP_STEP_SECONDS up to its cap, and puts back
 *   a job fetched past that (postponed by a step).
 * Woken at once by `wake()` (a fan-out in this process queued jobs), else polls. Jobs fetched
 * this way get no heartbeat from pg-boss's work() loop, so the dispatcher touches them itself.
 */
export class DeliveryDispatcher {
  private running = false;
  private inFlightCount = 0;
  private readonly byOrg = new Map<string, { count: number; subscriptions: Map<string, number> }>();
  private wakeUp: (() => void) | undefined;
  private woken = false;
  private loop: Promise<void> | undefined;
  private readonly settled = new Set<Promise<void>>();
  private readonly held = new Map<string, { id: string; retryCount: number }>();
  private heartbeat: NodeJS.Timeout | undefined;
  private holds: CircuitHolds = { held: [], ramping: new Map() };
  /** performance.now() when `holds` was read (0: never). */
  private holdsReadAt = 0;

  constructor(private readonly options: DispatcherOptions) {}

  get inFlight(): number {
    return this.inFlightCount;
  }

  start(): void {
    if (this.running) return;
    this.running = true;
    this.loop = this.run();
    this.heartbeat = setInterval(() => void this.touch(), this.options.heartbeatIntervalMs);
    this.heartbeat.unref();
  }

  /** Look for jobs now. */
  wake(): void {
    this.woken = true;
    this.wakeUp?.();
  }

  /** Stops fetching; resolves once every job taken has been handled. */
  async stop(): Promise<void> {
    this.running = false;
    this.wake();
    await this.loop;
    await Promise.all(this.settled);
    clearInterval(this.heartbeat);
  }

  /** Refreshes the heartbeat of every job in flight (fenced to the claim each was fetched with). */
  private async touch(): Promise<void> {
    const jobs = [...this.held.values()];
    if (jobs.length === 0) return;
    try {
      await this.options.boss.touch(this.options.queue, jobs);
    } catch (error) {
      this.options.onError(error);
    }
  }

  private async run(): Promise<void> {
    const { boss, queue, concurrency, perSubscription } = this.options;
    const maxFetch = this.options.maxFetch ?? 20;
    while (this.running) {
      const free = concurrency - this.inFlightCount;
      if (free <= 0) {
        // Every slot is taken: wait for one to free (a settle wakes this loop).
        this.woken = false;
        await this.idle(this.options.pollingIntervalMs);
        continue;
      }
      const asked = Math.min(free, maxFetch);
      this.woken = false;
      let jobs: JobWithMetadata<DeliveryJob>[] = [];
      try {
        await this.refreshHolds();
        jobs = (await boss.fetch<DeliveryJob>(queue, {
          batchSize: asked,
          includeMetadata: true,
          groupConcurrency: perSubscription,
          ignoreGroups: this.ignoredGroups(),
        })) as JobWithMetadata<DeliveryJob>[];
      } catch (error) {
        this.options.onError(error);
        await this.idle(this.options.pollingIntervalMs);
        continue;
      }
      const [ramped, pastRamp] = this.splitByRamp(jobs);
      for (const job of pastRamp) {
        this.begin(
          job,
          this.options.circuits?.postpone(job, new Date(Date.now() + RAMP_STEP_SECONDS * 1000)) ?? Promise.resolve(),
        );
      }
      if (ramped.length > 0) {
        const work = this.options.handle(ramped);
        for (const [i, job] of ramped.entries()) this.begin(job, work[i] ?? Promise.resolve());
      }
      if (jobs.length < asked && !this.woken) await this.idle(this.options.pollingIntervalMs);
    }
  }

  private begin(job: JobWithMetadata<DeliveryJob>, work: Promise<void>): void {
    const orgId = String(job.data?.orgId);
    const subscriptionId = String(job.data?.subscriptionId);
    const org = this.byOrg.get(orgId) ?? { count: 0, subscriptions: new Map<string, number>() };
    org.count++;
    org.subscriptions.set(subscriptionId, (org.subscriptions.get(subscriptionId) ?? 0) + 1);
    this.byOrg.set(orgId, org);
    this.inFlightCount++;
    this.held.set(job.id, { id: job.id, retryCount: job.retryCount });
    const done = work
      .catch((error: unknown) => this.options.onError(error))
      .finally(() => {
        this.held.delete(job.id);
        this.inFlightCount--;
        org.count--;
        const left = (org.subscriptions.get(subscriptionId) ?? 1) - 1;
        if (left > 0) org.subscriptions.set(subscriptionId, left);
        else org.subscriptions.delete(subscriptionId);
        if (org.count === 0) this.byOrg.delete(orgId);
        this.settled.delete(done);
        // A slot is free: fetch again (after this tick, so settles of the same tick share one fetch).
        setImmediate(() => this.wake());
      });
    this.settled.add(done);
  }

  /** The circuits' holds, read again once `refreshMs` has passed; a failed read keeps the last. */
  private async refreshHolds(): Promise<void> {
    const circuits = this.options.circuits;
    if (!circuits || performance.now() - this.holdsReadAt < circuits.refreshMs) return;
    try {
      this.holds = await circuits.holds();
      this.holdsReadAt = performance.now();
    } catch (error) {
      this.options.onError(error);
    }
  }

  /** What a fetch leaves out: organizations at their share, circuits held back, ramps at their step. */
  private ignoredGroups(): string[] | undefined {
    const groups = [...(this.groupsAtCap() ?? []), ...this.holds.held];
    for (const id of this.holds.ramping.keys()) {
      if (this.inFlightOf(id) >= this.rampLimitOf(id)) groups.push(id);
    }
    return groups.length > 0 ? groups : undefined;
  }

  /** The jobs within their subscription's ramp, and those past it (a fetch can bring several at once). */
  private splitByRamp(jobs: JobWithMetadata<DeliveryJob>[]): [JobWithMetadata<DeliveryJob>[], JobWithMetadata<DeliveryJob>[]] {
    if (this.holds.ramping.size === 0 || !this.options.circuits) return [jobs, []];
    const within: JobWithMetadata<DeliveryJob>[] = [];
    const past: JobWithMetadata<DeliveryJob>[] = [];
    const taken = new Map<string, number>();
    for (const job of jobs) {
      const id = String(job.data?.subscriptionId);
      if (!this.holds.ramping.has(id)) {
        within.push(job);
        continue;
      }
      const n = (taken.get(id) ?? this.inFlightOf(id)) + 1;
      taken.set(id, n);
      (n <= this.rampLimitOf(id) ? within : past).push(job);
    }
    return [within, past];
  }

  private rampLimitOf(subscriptionId: string): number {
    const since = (this.holds.ramping.get(subscriptionId) ?? 0) + (performance.now() - this.holdsReadAt) / 1000;
    return rampLimit(since, this.options.circuits?.rampMax ?? 1);
  }

  private inFlightOf(subscriptionId: string): number {
    let n = 0;
    for (const org of this.byOrg.values()) n += org.subscriptions.get(subscriptionId) ?? 0;
    return n;
  }

  /** The subscriptions of organizations that have their share in flight in this process. */
  private groupsAtCap(): string[] | undefined {
    const groups: string[] = [];
    for (const org of this.byOrg.values()) {
      if (org.count >= this.options.perOrganization) groups.push(...org.subscriptions.keys());
    }
    return groups.length > 0 ? groups : undefined;
  }

  private idle(ms: number): Promise<void> {
    if (this.woken || !this.running) return Promise.resolve();
    return new Promise((resolve) => {
      const timer = setTimeout(finish, ms);
      function finish() {
        clearTimeout(timer);
        resolve();
      }
      this.wakeUp = () => {
        this.wakeUp = undefined;
        finish();
      };
    });
  }
}
