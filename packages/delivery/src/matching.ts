/** Most patterns one subscription may have. */
export const MAX_EVENT_TYPE_PATTERNS = 50;
/** The pattern that matches every event type. */
export const MATCH_ALL = '*';

/**
 * Whether an event type matches one of a subscription's patterns: `*` matches every type, a
 * pattern ending in `.*` every type that starts with what precedes the `*`, dot included
 * (`invoice.*` matches `invoice.paid` and `invoice.paid.late`, not `invoicex` nor `invoice`),
 * and any other pattern only the type spelled exactly so.
 */
export function matchesEventType(patterns: readonly string[], type: string): boolean {
  return patterns.some((pattern) => matchesPattern(pattern, type));
}

export function matchesPattern(pattern: string, type: string): boolean {
  if (pattern === MATCH_ALL || pattern === type) return true;
  if (!pattern.endsWith('.*')) return false;
  const prefix = pattern.slice(0, -1);
  return type.length > prefix.length && type.startsWith(prefix);
}

/** A type pattern as a SQL condition's parts: every type, one exact type, or a `LIKE` prefix. */
export type TypeCondition = { kind: 'all' } | { kind: 'exact'; type: string } | { kind: 'prefix'; like: string };

export function typeCondition(pattern: string): TypeCondition {
  if (pattern === MATCH_ALL) return { kind: 'all' };
  if (!pattern.endsWith('.*')) return { kind: 'exact', type: pattern };
  const prefix = pattern.slice(0, -1).replace(/[\\%_]/g, (c) => `\\${c}`);
  return { kind: 'prefix', like: `${prefix}_%` };
}
