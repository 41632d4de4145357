import type { ColumnType } from 'kysely';

/** The two rate-limit budgets of an organization (API.md v2, "Tiers and rate limits"). */
export type RateBudget = 'events' | 'requests';

export interface RateLimitWindowsTable {
  org_id: string;
  budget: RateBudget;
  window_start: Date;
  claimed: ColumnType<number, number | undefined, number>;
  last_grant: ColumnType<number, number | undefined, number>;
}
