import { describe, expect, it } from '@jest/globals';
import { findNul, hasNul } from '../../src/api/http/nul.js';

describe('NUL in a request', () => {
  it('finds nothing in clean values of every shape', () => {
    for (const value of [undefined, null, 3, true, '', 'plain', [], {}, { a: ['x', { b: 'y' }] }]) {
      expect(hasNul(value)).toBe(false);
      expect(findNul(value)).toBeUndefined();
    }
  });

  it('names where a NUL hides: a string, an array item, a nested value, a key', () => {
    expect(findNul('a\u0000')).toBe('value');
    expect(findNul({ path: { cluster: 'x\u0000y' } })).toBe('path.cluster');
    expect(findNul({ body: { pools: [{ name: 'ok' }, { name: '\u0000' }] } })).toBe(
      'body.pools[1].name',
    );
    expect(findNul({ body: { labels: { 'k\u0000': 'v' } } })).toBe('body.labels.k\u0000');
  });

  it('agrees with the quick check, and ignores inherited properties', () => {
    const inherited = Object.create({ bad: '\u0000' }) as Record<string, unknown>;
    inherited.good = 'fine';
    expect(hasNul(inherited)).toBe(false);
    expect(hasNul(['a', ['b', ['c\u0000']]])).toBe(true);
    expect(findNul(['a', ['b', ['c\u0000']]])).toBe('[1][1][0]');
  });
});
