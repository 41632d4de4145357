// npm run bench:rate-limit — what the shared rate limiter adds to a request: the latency of
// RateLimiter.consume() against a real Postgres, per tier and budget, as requests would call it
// (the requests budget one at a time; the events budget also a batch of 100 at a time).
// Env: DATABASE_URL (a server the benchmark may create a database on).
import { performance } from 'node:perf_hooks';
import { connect, TIER_LIMITS } from '@triggers/db';
import { RateLimiter } from '../apps/api/dist/rate-limit/rate-limiter.js';
import { withBenchDatabase } from './lib/database.js';
import { percentile } from './lib/load.js';

const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));

/**
 * `requests` calls from `concurrency` lanes, each spending `cost` of `budget`; each lane waits
 * `gapMs` between its calls (0: back to back, far faster than any tier allows — the worst case
 * for the limiter).
 */
async function measure(db, tier, requests, concurrency, gapMs = 0, budget = 'requests', cost = 1) {
  const { id: orgId } = await db
    .insertInto('organizations')
    .values({
      name: `bench-${tier}`,
      tier,
      key_prefix: `bench_${tier}_${budget}_${cost}_${Date.now()}_${concurrency}`,
      key_hash: 'none',
    })
    .returning('id')
    .executeTakeFirstOrThrow();
  const limiter = new RateLimiter(db, budget);
  const limit = TIER_LIMITS[tier];
  const samples = [];
  let allowed = 0;
  let next = 0;
  async function lane() {
    while (next < requests) {
      next++;
      const start = performance.now();
      const decision = await limiter.consume(orgId, limit, cost);
      samples.push(performance.now() - start);
      if (decision.allowed) allowed++;
      if (gapMs > 0) await sleep(gapMs);
    }
  }
  await Promise.all(Array.from({ length: concurrency }, lane));
  samples.sort((a, b) => a - b);
  return {
    tier,
    budget,
    cost,
    limit,
    requests,
    concurrency,
    gapMs,
    allowed,
    p50: percentile(samples, 50),
    p95: percentile(samples, 95),
    p99: percentile(samples, 99),
  };
}

await withBenchDatabase(async (url) => {
  const handle = connect({ connectionString: url, max: 10 });
  try {
    console.log('RateLimiter.consume() latency (ms), one process, real Postgres');
    const line = (r) =>
      `${r.budget.padEnd(8)} ${r.tier.padEnd(10)} cost ${String(r.cost).padStart(3)}  limit ${String(r.limit).padStart(6)}  ${String(r.requests).padStart(5)} calls x${String(r.concurrency).padStart(2)} gap ${String(r.gapMs).padStart(2)} ms  allowed ${String(r.allowed).padStart(5)}  p50 ${r.p50.toFixed(3)}  p95 ${r.p95.toFixed(3)}  p99 ${r.p99.toFixed(3)}`;
    // Paced: each tier's whole minute of budget in about 6 s, from 4 concurrent clients.
    for (const [tier, requests, gapMs] of [
      ['free', 100, 240],
      ['pro', 1000, 24],
      ['business', 10000, 2],
    ]) {
      console.log(line(await measure(handle.db, tier, requests, 4, gapMs)));
    }
    // The events budget paced the same way, spent in batches of 100 events.
    for (const [tier, requests, gapMs] of [
      ['business', 100, 240],
      ['enterprise', 1000, 24],
    ]) {
      console.log(line(await measure(handle.db, tier, requests, 4, gapMs, 'events', 100)));
    }
    // Back to back: as fast as the limiter answers, far past any tier's rate.
    for (const [tier, requests] of [
      ['free', 100],
      ['pro', 1000],
      ['business', 10000],
      ['enterprise', 50000],
    ]) {
      for (const concurrency of [1, 32]) console.log(line(await measure(handle.db, tier, requests, concurrency)));
    }
    // The events budget: single events, and batches of 100 (a call spends 100).
    for (const [tier, requests, cost] of [
      ['business', 10000, 1],
      ['business', 100, 100],
      ['enterprise', 1000, 100],
    ]) {
      for (const concurrency of [1, 32])
        console.log(line(await measure(handle.db, tier, requests, concurrency, 0, 'events', cost)));
    }
  } finally {
    await handle.close();
  }
});
