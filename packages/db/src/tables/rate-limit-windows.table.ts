import type { ColumnType } from 'kysely';

export interface RateLimitWindowsTable {
  org_id: string;
  window_start: Date;
  claimed: ColumnType<number, number | undefined, number>;
  last_grant: ColumnType<number, number | undefined, number>;
}
