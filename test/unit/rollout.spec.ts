import { describe, expect, it } from '@jest/globals';
import { rolloutStep, type RolloutMachine } from '../../src/domain/rollout.js';

/**
 * Drives rolloutStep the way the reconciler does, with machines that become available one
 * pass after they are created and vanish one pass after they are chosen for removal, and
 * records the smallest number of available machines seen along the way.
 */
function simulate(options: {
  desired: number;
  maxSurge: number;
  maxUnavailable: number;
  maxRemovalsInFlight?: number;
}) {
  let next = 0;
  let live: RolloutMachine[] = Array.from({ length: options.desired }, () => ({
    id: `old-${next++}`,
    outdated: true,
    available: true,
  }));
  let removing: string[] = [];
  let minAvailable = Number.POSITIVE_INFINITY;
  let maxLive = 0;
  let maxRemoving = 0;
  for (let pass = 0; pass < 100; pass++) {
    minAvailable = Math.min(minAvailable, live.filter((m) => m.available).length);
    if (live.every((m) => !m.outdated) && live.length === options.desired && removing.length === 0)
      return { passes: pass, minAvailable, maxLive, maxRemoving, live };
    const decision = rolloutStep({ ...options, machines: live, removing: removing.length });
    // Those removed a pass ago are gone; those chosen now leave the live set.
    removing = decision.remove;
    live = live.filter((m) => !decision.remove.includes(m.id));
    // Machines created a pass ago are up now.
    live = live.map((m) => ({ ...m, available: true }));
    for (let i = 0; i < decision.create; i++)
      live.push({ id: `new-${next++}`, outdated: false, available: false });
    maxLive = Math.max(maxLive, live.length + removing.length);
    maxRemoving = Math.max(maxRemoving, removing.length);
  }
  throw new Error('the rollout did not finish in 100 passes');
}

describe('rolloutStep', () => {
  it('with surge 2 and unavailable 0 never drops below the pool size', () => {
    const run = simulate({ desired: 5, maxSurge: 2, maxUnavailable: 0 });
    expect(run.minAvailable).toBe(5);
    expect(run.maxLive).toBeLessThanOrEqual(7);
    expect(run.live.map((m) => m.id).every((id) => id.startsWith('new-'))).toBe(true);
  });

  it('with surge 0 and unavailable 1 removes first, one at a time, never adding extra', () => {
    const run = simulate({ desired: 3, maxSurge: 0, maxUnavailable: 1 });
    expect(run.minAvailable).toBe(2);
    expect(run.maxLive).toBeLessThanOrEqual(3);
  });

  it('replaces a control plane one machine at a time, its successor Ready first', () => {
    const run = simulate({ desired: 3, maxSurge: 1, maxUnavailable: 0, maxRemovalsInFlight: 1 });
    expect(run.minAvailable).toBe(3);
    expect(run.maxLive).toBeLessThanOrEqual(4);
    expect(run.maxRemoving).toBe(1);
  });

  it('removes an unavailable outdated machine at once: it costs no capacity', () => {
    const decision = rolloutStep({
      desired: 3,
      maxSurge: 1,
      maxUnavailable: 0,
      removing: 0,
      machines: [
        { id: 'a', outdated: false, available: true },
        { id: 'b', outdated: false, available: true },
        { id: 'sick', outdated: true, available: false },
      ],
    });
    expect(decision).toEqual({ create: 1, remove: ['sick'] });
  });

  it('waits while the surge is used and the new machine is not available yet', () => {
    const decision = rolloutStep({
      desired: 2,
      maxSurge: 1,
      maxUnavailable: 0,
      removing: 0,
      machines: [
        { id: 'o1', outdated: true, available: true },
        { id: 'o2', outdated: true, available: true },
        { id: 'n1', outdated: false, available: false },
      ],
    });
    expect(decision).toEqual({ create: 0, remove: [] });
  });
});
