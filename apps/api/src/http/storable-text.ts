import type { CustomHelpers, ErrorReport } from 'joi';

/** A UTF-16 surrogate without its other half: not a character, so not UTF-8 that Postgres takes. */
const LONE_SURROGATE = /[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/;

export const UNSTORABLE_TEXT = 'must not contain NUL characters or unpaired UTF-16 surrogates';

/**
 * False for text Postgres refuses (a NUL character, in text or jsonb) or would silently alter
 * (a lone surrogate becomes U+FFFD): such input is the caller's 422, never a 500.
 */
export function isStorableText(value: string): boolean {
  return !value.includes('\u0000') && !LONE_SURROGATE.test(value);
}

/** True when every string of a parsed JSON value, object keys included, is storable text. */
export function isStorableJson(value: unknown): boolean {
  const pending: unknown[] = [value];
  while (pending.length > 0) {
    const next = pending.pop();
    if (typeof next === 'string') {
      if (!isStorableText(next)) return false;
    } else if (Array.isArray(next)) {
      // One push per item: spreading an array of 131,000 numbers (256 KB) overflows the stack.
      for (const item of next) pending.push(item);
    } else if (next !== null && typeof next === 'object') {
      for (const [key, item] of Object.entries(next)) {
        if (!isStorableText(key)) return false;
        pending.push(item);
      }
    }
  }
  return true;
}

/** A joi `custom` rule for strings that are stored: a 422 naming the field for unstorable text. */
export function storableText(value: string, helpers: CustomHelpers): string | ErrorReport {
  return isStorableText(value) ? value : helpers.message({ custom: `{{#label}} ${UNSTORABLE_TEXT}` });
}
