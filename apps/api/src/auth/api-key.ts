import { randomBytes } from 'node:crypto';
import argon2 from 'argon2';

const KEY_PREFIX = 'zap_live_';
/** `zap_live_` + 12 random characters: shown to people, stored in clear, looked up first. */
const LOOKUP_LENGTH = KEY_PREFIX.length + 12;
const KEY_SHAPE = /^zap_live_[A-Za-z0-9_-]{32,128}$/;

/**
 * OWASP's argon2id setting (19 MiB, 2 passes, 1 lane). A key carries 256 random bits, so the
 * hash's cost protects nothing that guessing could reach; what the cost does buy is RAM and
 * CPU per verification, which the library default (64 MiB, 3 passes, 4 lanes) quadruples.
 */
const ARGON2_OPTIONS = { type: argon2.argon2id, memoryCost: 19_456, timeCost: 2, parallelism: 1 } as const;

export interface NewApiKey {
  key: string;
  prefix: string;
  hash: string;
}

/** A new key (`zap_live_` + 43 url-safe characters of 32 random bytes) with its prefix and argon2id hash. */
export async function generateApiKey(): Promise<NewApiKey> {
  const key = `${KEY_PREFIX}${randomBytes(32).toString('base64url')}`;
  return { key, prefix: keyPrefix(key), hash: await argon2.hash(key, ARGON2_OPTIONS) };
}

export function keyPrefix(key: string): string {
  return key.slice(0, LOOKUP_LENGTH);
}

export function isWellFormedKey(key: string): boolean {
  return KEY_SHAPE.test(key);
}
