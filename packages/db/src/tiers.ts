import type { Tier } from './tables/organizations.table.js';

export const TIERS: readonly Tier[] = ['free', 'pro', 'business', 'enterprise'];

/** Requests per minute per organization, by tier (API.md, "Tiers and rate limits"). */
export const TIER_LIMITS: Readonly<Record<Tier, number>> = Object.freeze({
  free: 100,
  pro: 1_000,
  business: 10_000,
  enterprise: 100_000,
});
