import type { Db } from '@triggers/db';
import { Router } from 'express';
import { route } from '../http/route.js';
import { validate } from '../http/validate.js';
import { countAttemptsByBucket, countEventsByBucket, countUndelivered } from './stats.repository.js';
import { DELIVERY_COUNT_LIMIT, STATS_WINDOWS, statsQuerySchema } from './stats.schema.js';

/** The window ending at the end of the bucket that holds `now`, cut into whole buckets. */
export function statsRange(now: Date, windowSeconds: number, bucketSeconds: number) {
  const bucketMs = bucketSeconds * 1000;
  const to = new Date(Math.ceil((now.getTime() + 1) / bucketMs) * bucketMs);
  return { from: new Date(to.getTime() - windowSeconds * 1000), to, bucketSeconds };
}

const rate = (succeeded: number, attempts: number) =>
  attempts === 0 ? null : Math.round((succeeded / attempts) * 10_000) / 10_000;

/** GET /api/stats: what the dashboard's overview draws; counts against the requests budget like any read. */
export function statsRoutes(db: Db, now: () => Date = () => new Date()): Router {
  const router = Router();
  route(router, '/api/stats', {
    get: [
      async (req, res) => {
        const { window } = validate(statsQuerySchema, req.query, 'query');
        const { seconds, bucketSeconds } = STATS_WINDOWS[window];
        const range = statsRange(now(), seconds, bucketSeconds);
        const orgId = res.locals.org.id;
        const [events, attempts, deliveries] = await Promise.all([
          countEventsByBucket(db, orgId, range),
          countAttemptsByBucket(db, orgId, range),
          countUndelivered(db, orgId, DELIVERY_COUNT_LIMIT),
        ]);
        const eventsAt = new Map(events.map((b) => [b.start.getTime(), b.count]));
        const attemptsAt = new Map(attempts.map((b) => [b.start.getTime(), b]));
        const buckets: { start: string; events: number; attempts: number; succeeded: number; failed: number }[] = [];
        for (let t = range.from.getTime(); t < range.to.getTime(); t += bucketSeconds * 1000) {
          const a = attemptsAt.get(t);
          const tried = a?.count ?? 0;
          const succeeded = a?.succeeded ?? 0;
          buckets.push({
            start: new Date(t).toISOString(),
            events: eventsAt.get(t) ?? 0,
            attempts: tried,
            succeeded,
            failed: tried - succeeded,
          });
        }
        const sum = (key: 'events' | 'attempts' | 'succeeded' | 'failed') => buckets.reduce((n, b) => n + b[key], 0);
        res.json({
          window,
          bucket_seconds: bucketSeconds,
          from: range.from.toISOString(),
          to: range.to.toISOString(),
          buckets,
          totals: {
            events: sum('events'),
            attempts: sum('attempts'),
            succeeded: sum('succeeded'),
            failed: sum('failed'),
            success_rate: rate(sum('succeeded'), sum('attempts')),
          },
          deliveries: {
            ...deliveries,
            exact: deliveries.pending < DELIVERY_COUNT_LIMIT && deliveries.failed < DELIVERY_COUNT_LIMIT,
          },
        });
      },
    ],
  });
  return router;
}
