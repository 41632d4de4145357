import { createHash } from 'node:crypto';
import type { Db, Organization } from '@triggers/db';
import argon2 from 'argon2';
import { isWellFormedKey, keyPrefix } from './api-key.js';
import { OrganizationLoader } from './organization-loader.js';

/** How many distinct keys each process remembers as verified (or as wrong). */
const CACHE_SIZE = 10_000;
/** Each argon2 verification takes 19 MiB and a libuv thread: never more than this many at once per process. */
const MAX_CONCURRENT_VERIFICATIONS = 2;

/**
 * Checks API keys against the argon2id hash in `organizations`, doing the argon2 work once per
 * key and process. Every request still reads the organization by its key prefix (one index
 * probe), so a rotation, which replaces prefix and hash, refuses the old key at once on every
 * process. A key whose prefix is unknown costs no argon2 work at all.
 */
export class KeyVerifier {
  /** sha256(key) → the argon2 hash it was verified against (true) or failed against (false). */
  private readonly verdicts = new Map<string, { hash: string; ok: boolean }>();
  private readonly inFlight = new Map<string, Promise<boolean>>();
  private running = 0;
  private readonly waiting: (() => void)[] = [];
  private readonly organizations: OrganizationLoader;

  constructor(db: Db) {
    this.organizations = new OrganizationLoader(db);
  }

  async verify(key: string): Promise<Organization | undefined> {
    if (!isWellFormedKey(key)) return undefined;
    const org = await this.organizations.load(keyPrefix(key));
    if (!org) return undefined;
    const fingerprint = createHash('sha256').update(key).digest('base64');
    const known = this.verdicts.get(fingerprint);
    if (known && known.hash === org.key_hash) return known.ok ? org : undefined;
    return (await this.verifyOnce(fingerprint, org.key_hash, key)) ? org : undefined;
  }

  /** Concurrent requests with the same key share one argon2 verification. */
  private verifyOnce(fingerprint: string, hash: string, key: string): Promise<boolean> {
    const flight = `${fingerprint}:${hash}`;
    let verification = this.inFlight.get(flight);
    if (!verification) {
      verification = this.argon2Verify(hash, key).then((ok) => {
        this.remember(fingerprint, { hash, ok });
        return ok;
      });
      this.inFlight.set(flight, verification);
      verification.finally(() => this.inFlight.delete(flight)).catch(() => {});
    }
    return verification;
  }

  private remember(fingerprint: string, verdict: { hash: string; ok: boolean }): void {
    if (this.verdicts.size >= CACHE_SIZE) {
      const oldest = this.verdicts.keys().next().value;
      if (oldest !== undefined) this.verdicts.delete(oldest);
    }
    this.verdicts.set(fingerprint, verdict);
  }

  private async argon2Verify(hash: string, key: string): Promise<boolean> {
    if (this.running >= MAX_CONCURRENT_VERIFICATIONS) {
      await new Promise<void>((resolve) => this.waiting.push(resolve));
    }
    this.running++;
    try {
      return await argon2.verify(hash, key);
    } catch {
      return false;
    } finally {
      this.running--;
      this.waiting.shift()?.();
    }
  }
}
