import type { Db, NewOrganization, Organization, OrganizationUpdate } from '@triggers/db';

export function findOrganizationsByKeyPrefixes(db: Db, prefixes: string[]): Promise<Organization[]> {
  return db.selectFrom('organizations').selectAll().where('key_prefix', 'in', prefixes).execute();
}

export function insertOrganization(db: Db, org: NewOrganization): Promise<Organization> {
  return db.insertInto('organizations').values(org).returningAll().executeTakeFirstOrThrow();
}

export function updateOrganization(db: Db, id: string, changes: OrganizationUpdate): Promise<Organization> {
  return db
    .updateTable('organizations')
    .set({ ...changes, updated_at: new Date() })
    .where('id', '=', id)
    .returningAll()
    .executeTakeFirstOrThrow();
}
