import Joi from 'joi';

/** The windows GET /api/stats covers, each cut into buckets of a fixed width. */
export const STATS_WINDOWS = {
  '1h': { seconds: 3600, bucketSeconds: 60 },
  '6h': { seconds: 6 * 3600, bucketSeconds: 5 * 60 },
  '24h': { seconds: 24 * 3600, bucketSeconds: 15 * 60 },
} as const;

export type StatsWindow = keyof typeof STATS_WINDOWS;

/** Counts of deliveries stop at this many: past it the dashboard shows "10,000+". */
export const DELIVERY_COUNT_LIMIT = 10_000;

export interface StatsQuery {
  window: StatsWindow;
}

/** GET /api/stats's query string; any other parameter is a 422. */
export const statsQuerySchema = Joi.object<StatsQuery>({
  window: Joi.string()
    .valid(...Object.keys(STATS_WINDOWS))
    .default('1h'),
})
  .unknown(false)
  .required();
