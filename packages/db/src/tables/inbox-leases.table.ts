import type { ColumnType, Insertable, Selectable } from 'kysely';

/** A pull consumer's lease: it holds some of its organization's events until `expires_at`. */
export interface InboxLeasesTable {
  id: string;
  org_id: string;
  expires_at: Date;
  created_at: ColumnType<Date, Date | undefined, never>;
}

export type InboxLease = Selectable<InboxLeasesTable>;
export type NewInboxLease = Insertable<InboxLeasesTable>;
