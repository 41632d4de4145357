import { HttpError } from './http-error.js';

/** API.md: JSON nested deeper than 64 levels is a 422 `validation_error`. `{}` is one level. */
export const MAX_JSON_DEPTH = 64;

/**
 * True when a parsed JSON value nests objects and arrays more than `max` levels deep. Iterative,
 * so a value nested a million levels deep costs no stack (JSON.stringify, which recurses, is
 * called only on values that passed this).
 */
export function nestedDeeperThan(value: unknown, max: number = MAX_JSON_DEPTH): boolean {
  const values: unknown[] = [value];
  const depths: number[] = [1];
  while (values.length > 0) {
    const next = values.pop();
    const depth = depths.pop() as number;
    if (next === null || typeof next !== 'object') continue;
    if (depth > max) return true;
    const children = Array.isArray(next) ? next : Object.values(next);
    for (const child of children) {
      if (child !== null && typeof child === 'object') {
        values.push(child);
        depths.push(depth + 1);
      }
    }
  }
  return false;
}

/** The 422 for a field (or the whole `body`) nested deeper than the contract allows. */
export function tooDeep(field: string): HttpError {
  return HttpError.validation([{ field, message: `'${field}' must not be nested deeper than ${MAX_JSON_DEPTH} levels` }]);
}
