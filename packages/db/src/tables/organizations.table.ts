import type { ColumnType, Generated, Insertable, Selectable, Updateable } from 'kysely';

export type Tier = 'free' | 'pro' | 'business' | 'enterprise';

export interface OrganizationsTable {
  id: Generated<string>;
  name: string;
  tier: ColumnType<Tier, Tier | undefined, Tier>;
  key_prefix: string;
  key_hash: string;
  key_rotated_at: Date | null;
  created_at: ColumnType<Date, Date | undefined, never>;
  updated_at: ColumnType<Date, Date | undefined, Date>;
}

export type Organization = Selectable<OrganizationsTable>;
export type NewOrganization = Insertable<OrganizationsTable>;
export type OrganizationUpdate = Updateable<OrganizationsTable>;
