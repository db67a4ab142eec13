import { describe, expect, it } from '@jest/globals';
import { randomUUID } from 'node:crypto';
import { ownerOf } from '../../src/health/shards.js';

describe('ownerOf (rendezvous hashing of clusters onto health monitors)', () => {
  const clusters = Array.from({ length: 3_000 }, () => randomUUID());
  const share = (monitors: string[]) => {
    const counts = new Map(monitors.map((m) => [m, 0]));
    for (const c of clusters) {
      const owner = ownerOf(c, monitors)!;
      counts.set(owner, counts.get(owner)! + 1);
    }
    return counts;
  };

  it('names no owner without monitors, and the only one when alone', () => {
    expect(ownerOf('c', [])).toBeUndefined();
    expect(ownerOf('c', ['host-1-a'])).toBe('host-1-a');
  });

  it('does not depend on the order the monitors were read in', () => {
    const monitors = ['m-1', 'm-2', 'm-3', 'm-4'];
    for (const c of clusters.slice(0, 200))
      expect(ownerOf(c, monitors)).toBe(ownerOf(c, [...monitors].reverse()));
  });

  it('shares clusters about evenly', () => {
    const counts = share(['worker-a-101', 'worker-b-102', 'worker-c-103']);
    for (const n of counts.values()) {
      expect(n).toBeGreaterThan(1_000 * 0.85);
      expect(n).toBeLessThan(1_000 * 1.15);
    }
  });

  it('moves only the clusters the joining monitor takes, and only those of a leaving one', () => {
    const before = ['m-1', 'm-2', 'm-3'];
    const joined = [...before, 'm-4'];
    let moved = 0;
    for (const c of clusters) {
      const was = ownerOf(c, before);
      const now = ownerOf(c, joined);
      if (now !== was) {
        expect(now).toBe('m-4');
        moved++;
      }
      // m-2 leaves: only its clusters move.
      const left = ownerOf(c, ['m-1', 'm-3']);
      if (was !== 'm-2') expect(left).toBe(was);
    }
    // About a quarter moves to the fourth monitor.
    expect(moved).toBeGreaterThan(750 * 0.8);
    expect(moved).toBeLessThan(750 * 1.2);
  });
});
