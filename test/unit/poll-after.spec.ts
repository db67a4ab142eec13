import { describe, expect, it } from '@jest/globals';
import {
  POLL_MS,
  QUICK_POLL_MS,
  pollAfterMs,
} from '../../src/reconcilers/cluster/reconcile-context.js';

describe('pollAfterMs', () => {
  const now = 1_000_000;

  it('looks again quickly at something awaited only a moment', () => {
    expect(pollAfterMs(now, now)).toBe(QUICK_POLL_MS);
    expect(pollAfterMs(now - 300, now)).toBe(QUICK_POLL_MS);
  });

  it('waits a quarter of the wait so far in between', () => {
    expect(pollAfterMs(now - 1_000, now)).toBe(250);
    expect(pollAfterMs(now - 2_000, now)).toBe(500);
  });

  it('settles at one look a second for long waits, and when the start is unknown', () => {
    expect(pollAfterMs(now - 60_000, now)).toBe(POLL_MS);
    expect(pollAfterMs(Number.NaN, now)).toBe(POLL_MS);
  });

  it('never waits less than the quick look, even with a start in the future', () => {
    expect(pollAfterMs(now + 5_000, now)).toBe(QUICK_POLL_MS);
  });
});
