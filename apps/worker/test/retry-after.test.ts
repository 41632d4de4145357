import { describe, expect, test } from '@jest/globals';
import { parseRetryAfter } from '../src/delivery/retry-after.js';

describe('parseRetryAfter', () => {
  const now = new Date('2030-01-01T00:00:00Z');

  test('reads delay-seconds', () => {
    expect(parseRetryAfter('120', now)).toBe(120);
    expect(parseRetryAfter(' 0 ', now)).toBe(0);
  });

  test('reads an HTTP date as the seconds until then, and a past date as 0', () => {
    expect(parseRetryAfter('Tue, 01 Jan 2030 00:00:30 GMT', now)).toBe(30);
    expect(parseRetryAfter('Mon, 31 Dec 2029 23:00:00 GMT', now)).toBe(0);
  });

  test('caps the wait at one hour', () => {
    expect(parseRetryAfter('86400', now)).toBe(3600);
    expect(parseRetryAfter('Wed, 02 Jan 2030 00:00:00 GMT', now)).toBe(3600);
  });

  test('ignores a missing or unreadable value', () => {
    expect(parseRetryAfter(undefined, now)).toBeNull();
    expect(parseRetryAfter('', now)).toBeNull();
    expect(parseRetryAfter('soon', now)).toBeNull();
    expect(parseRetryAfter('-5', now)).toBeNull();
    expect(parseRetryAfter('1.5', now)).toBeNull();
  });

  test('takes the first of repeated headers', () => {
    expect(parseRetryAfter(['7', '9'], now)).toBe(7);
  });
});
