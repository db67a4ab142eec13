import { describe, expect, it } from '@jest/globals';
import { applyMergePatch, jsonEqual } from '../../src/domain/merge-patch.js';

describe('applyMergePatch (RFC 7386)', () => {
  it('merges objects, replaces arrays and deletes keys set to null', () => {
    const target = { a: 1, b: { c: 2, d: 3 }, list: [1, 2] };
    expect(applyMergePatch(target, { b: { c: null, e: 4 }, list: [9], a: null })).toEqual({
      b: { d: 3, e: 4 },
      list: [9],
    });
    expect(target).toEqual({ a: 1, b: { c: 2, d: 3 }, list: [1, 2] });
  });

  it('replaces the whole document with a non-object patch', () => {
    expect(applyMergePatch({ a: 1 }, 'x')).toBe('x');
    expect(applyMergePatch({ a: 1 }, [1])).toEqual([1]);
  });

  it('matches the examples of RFC 7386 appendix A', () => {
    expect(applyMergePatch({ a: 'b' }, { a: 'c' })).toEqual({ a: 'c' });
    expect(applyMergePatch({ a: [{ b: 'c' }] }, { a: [1] })).toEqual({ a: [1] });
    expect(applyMergePatch({ e: null }, { a: 1 })).toEqual({ e: null, a: 1 });
    expect(applyMergePatch({}, { a: { bb: { ccc: null } } })).toEqual({ a: { bb: {} } });
  });
});

describe('jsonEqual', () => {
  it('ignores key order but not array order', () => {
    expect(jsonEqual({ a: 1, b: [1, 2] }, { b: [1, 2], a: 1 })).toBe(true);
    expect(jsonEqual({ b: [2, 1] }, { b: [1, 2] })).toBe(false);
    expect(jsonEqual({ a: 1 }, { a: 1, b: undefined })).toBe(true);
    expect(jsonEqual({ a: 1 }, { a: '1' })).toBe(false);
  });
});
