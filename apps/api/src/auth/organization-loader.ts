import type { Db, Organization } from '@triggers/db';
import { findOrganizationsByKeyPrefixes } from '../keys/organizations.repository.js';

interface Waiter {
  prefix: string;
  resolve: (org: Organization | undefined) => void;
  reject: (error: unknown) => void;
}

/**
 * Reads organizations by key prefix for authentication, coalescing concurrent look-ups: while
 * one query is in flight, every look-up that arrives waits for the next, which asks for all of
 * them at once. Each request still reads the database after it arrived (so a rotation refuses
 * the old key at once), but a busy process makes a few queries instead of one per request.
 */
export class OrganizationLoader {
  private waiting: Waiter[] = [];
  private inFlight = false;

  constructor(private readonly db: Db) {}

  load(prefix: string): Promise<Organization | undefined> {
    return new Promise((resolve, reject) => {
      this.waiting.push({ prefix, resolve, reject });
      if (!this.inFlight) this.flush();
    });
  }

  private flush(): void {
    const batch = this.waiting;
    this.waiting = [];
    this.inFlight = true;
    findOrganizationsByKeyPrefixes(this.db, [...new Set(batch.map((w) => w.prefix))])
      .then(
        (orgs) => {
          const byPrefix = new Map(orgs.map((o) => [o.key_prefix, o]));
          for (const w of batch) w.resolve(byPrefix.get(w.prefix));
        },
        (error: unknown) => {
          for (const w of batch) w.reject(error);
        },
      )
      .finally(() => {
        this.inFlight = false;
        if (this.waiting.length > 0) this.flush();
      });
  }
}
