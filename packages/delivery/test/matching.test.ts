import { describe, expect, test } from '@jest/globals';
import { matchesEventType, matchesPattern, typeCondition } from '../src/matching.js';

describe('matching an event type against a pattern', () => {
  test.each([
    // [pattern, type, matches]
    ['*', 'order.created', true],
    ['*', 'x', true],
    ['order.created', 'order.created', true],
    ['order.created', 'order.updated', false],
    ['order.created', 'order.created.late', false],
    ['order.created', 'Order.Created', false],
    ['order.*', 'order.created', true],
    ['order.*', 'order.created.late', true],
    ['order.*', 'order', false],
    ['order.*', 'order.', false],
    ['order.*', 'orderx', false],
    ['order.*', 'orders.created', false],
    ['order.*', 'x.order.created', false],
    ['invoice.*', 'invoice.paid', true],
    ['invoice.*', 'invoicex', false],
    ['a.b.*', 'a.b.c', true],
    ['a.b.*', 'a.bc', false],
    ['order*', 'order.created', false],
    ['order*', 'order*', true],
    ['order.created*', 'order.created', false],
  ])('%s against %s: %s', (pattern, type, matches) => {
    expect(matchesPattern(pattern, type)).toBe(matches);
  });

  test('a subscription matches when any of its patterns does', () => {
    expect(matchesEventType(['invoice.*', 'order.created'], 'order.created')).toBe(true);
    expect(matchesEventType(['invoice.*', 'order.created'], 'invoice.paid')).toBe(true);
    expect(matchesEventType(['invoice.*', 'order.created'], 'order.updated')).toBe(false);
  });

  test('a pattern as SQL: every type, one exact type, or a LIKE prefix with LIKE characters escaped', () => {
    expect(typeCondition('*')).toEqual({ kind: 'all' });
    expect(typeCondition('order.created')).toEqual({ kind: 'exact', type: 'order.created' });
    expect(typeCondition('order.*')).toEqual({ kind: 'prefix', like: 'order._%' });
    expect(typeCondition('100%_off.*')).toEqual({ kind: 'prefix', like: '100\\%\\_off._%' });
  });
});
