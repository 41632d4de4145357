import { type Expression, type SqlBool, sql } from 'kysely';

/**
 * The `type` filter of the inbox and of leases (API.md): an event type, or `prefix.*`
 * (`invoice.*` matches `invoice.paid`, not `invoicex` nor `invoice`), or `*` (every type).
 */
export type TypePattern = { kind: 'exact'; type: string } | { kind: 'prefix'; prefix: string };

/** The pattern a `type` parameter names; undefined for `*`, which filters nothing. */
export function parseTypePattern(value: string): TypePattern | undefined {
  if (value === '*') return undefined;
  if (value.length > 2 && value.endsWith('.*')) return { kind: 'prefix', prefix: value.slice(0, -1) };
  return { kind: 'exact', type: value };
}

/**
 * Types are compared in the "C" collation (byte order), as the type indexes hold them, so that
 * the types starting with `invoice.` are exactly the range [`invoice.`, `invoice/`) whatever the
 * database's collation ('/' follows '.').
 */
const TYPE = sql.ref('type');

export function typeIs(type: string | Expression<string>): Expression<SqlBool> {
  return sql<SqlBool>`${TYPE} COLLATE "C" = ${type}`;
}

/** `type` starts with `prefix` (which ends with '.'): an index range, not a LIKE. */
export function typeHasPrefix(prefix: string): Expression<SqlBool> {
  return sql<SqlBool>`${TYPE} COLLATE "C" >= ${prefix} AND ${TYPE} COLLATE "C" < ${prefixEnd(prefix)}`;
}

/** The first string after every string that starts with `prefix`. */
function prefixEnd(prefix: string): string {
  return `${prefix.slice(0, -1)}/`;
}

/** The condition a pattern puts on `type`. */
export function typeMatches(pattern: TypePattern): Expression<SqlBool> {
  return pattern.kind === 'exact' ? typeIs(pattern.type) : typeHasPrefix(pattern.prefix);
}
