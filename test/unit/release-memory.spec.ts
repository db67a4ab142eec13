import { afterEach, beforeEach, describe, expect, it, jest } from '@jest/globals';
import {
  MemoryReleaser,
  releaseFreedMemory,
  type MemoryRelease,
} from '../../src/common/release-memory.js';

describe('releaseFreedMemory', () => {
  it('hands back the pages garbage filled, in a process started without --expose-gc', () => {
    expect((globalThis as { gc?: unknown }).gc).toBeUndefined();
    // ~100 MiB of objects that live long enough to reach the old generation, then garbage.
    let keep: number[][] | undefined = [];
    for (let i = 0; i < 100_000; i++) keep.push(Array.from({ length: 128 }, (_, j) => i + j));
    const held = process.memoryUsage.rss();
    keep = undefined;
    const result = releaseFreedMemory();
    expect(result.rssBefore).toBeGreaterThan(0);
    expect(result.ms).toBeGreaterThanOrEqual(0);
    expect(held - result.rssAfter).toBeGreaterThan(50 * 2 ** 20);
    // The flag was on only while the function was taken: the global stays as it was.
    expect((globalThis as { gc?: unknown }).gc).toBeUndefined();
    expect(keep).toBeUndefined();
  });
});

describe('MemoryReleaser', () => {
  const released: MemoryRelease = { rssBefore: 2, rssAfter: 1, ms: 0 };

  beforeEach(() => {
    jest.useFakeTimers();
  });
  afterEach(() => {
    jest.useRealTimers();
  });

  function releaser(busy: () => number = () => 0) {
    const release = jest.fn(() => released);
    const told: string[][] = [];
    const r = new MemoryReleaser({
      delayMs: 2_000,
      minIntervalMs: 60_000,
      utilization: busy,
      release,
      onReleased: (_, reasons) => told.push(reasons),
    });
    return { r, release, told };
  }

  it('releases once after the delay for requests that come together, naming each reason once', () => {
    const { r, release, told } = releaser();
    r.onApplicationBootstrap();
    jest.advanceTimersByTime(1_000);
    r.request('watches');
    r.request('watches');
    jest.advanceTimersByTime(999);
    expect(release).not.toHaveBeenCalled();
    jest.advanceTimersByTime(1);
    expect(release).toHaveBeenCalledTimes(1);
    expect(told).toEqual([['started', 'watches']]);
  });

  it('lets at most one release happen per interval, and holds a later request to its end', () => {
    const { r, release, told } = releaser();
    r.request('a');
    jest.advanceTimersByTime(2_000);
    expect(release).toHaveBeenCalledTimes(1);
    jest.advanceTimersByTime(10_000);
    r.request('b');
    jest.advanceTimersByTime(49_999);
    expect(release).toHaveBeenCalledTimes(1);
    jest.advanceTimersByTime(1);
    expect(release).toHaveBeenCalledTimes(2);
    expect(told).toEqual([['a'], ['b']]);
    // Long after the last one, a request waits only the delay.
    jest.advanceTimersByTime(120_000);
    r.request('c');
    jest.advanceTimersByTime(2_000);
    expect(release).toHaveBeenCalledTimes(3);
  });

  it('waits while the event loop is busy, and releases once it is not', () => {
    let utilization = 0.9;
    const { r, release, told } = releaser(() => utilization);
    r.request('a');
    jest.advanceTimersByTime(2_000);
    jest.advanceTimersByTime(2_000);
    expect(release).not.toHaveBeenCalled();
    r.request('b');
    utilization = 0.1;
    jest.advanceTimersByTime(2_000);
    expect(release).toHaveBeenCalledTimes(1);
    expect(told).toEqual([['a', 'b']]);
  });

  it('ignores every request when not enabled', () => {
    const release = jest.fn(() => released);
    const r = new MemoryReleaser({ enabled: false, release });
    r.onApplicationBootstrap();
    r.request('a');
    jest.advanceTimersByTime(120_000);
    expect(release).not.toHaveBeenCalled();
  });

  it('does nothing once stopped, also for a request already waiting', () => {
    const { r, release } = releaser();
    r.request('a');
    r.beforeApplicationShutdown();
    r.request('b');
    jest.advanceTimersByTime(120_000);
    expect(release).not.toHaveBeenCalled();
  });
});
