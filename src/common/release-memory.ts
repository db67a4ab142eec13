import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { performance, type EventLoopUtilization } from 'node:perf_hooks';

type GcOptions = { type: 'major'; execution: 'sync'; flavor: 'last-resort' };
type Gc = (options: GcOptions) => void;

let exposed: Gc | undefined;

/**
 * V8's `gc`: the process's own when it was started with --expose-gc, otherwise taken from a
 * context created while the flag is briefly on (the flag only shapes contexts made after it).
 */
function v8Gc(): Gc {
  if (!exposed) {
    const own = (globalThis as { gc?: Gc }).gc;
    if (own) exposed = own;
    else {
      setFlagsFromString('--expose-gc');
      try {
        exposed = runInNewContext('gc') as Gc;
      } finally {
        setFlagsFromString('--no-expose-gc');
      }
    }
  }
  return exposed;
}

export interface MemoryRelease {
  rssBefore: number;
  rssAfter: number;
  ms: number;
}

/**
 * A full, memory-reducing collection, which also hands back to the system the heap pages V8
 * keeps for reuse. After a burst of short-lived objects (loading the modules, connecting to
 * many clusters) V8 keeps the pages their garbage filled, and its own heuristics do not give
 * them back to a process that then runs at a low allocation rate: a worker idles at 290 MiB
 * with them and at 170 MiB without (bench/README.md). It stops the process for as long as a
 * few full collections take (tens to hundreds of milliseconds), and the work that follows runs
 * slower for a few seconds (a kaas `all` process served a third fewer reads in the seconds after
 * one), so it runs after bursts only, and only where memory matters more than that.
 */
export function releaseFreedMemory(): MemoryRelease {
  const rssBefore = process.memoryUsage.rss();
  const started = performance.now();
  v8Gc()({ type: 'major', execution: 'sync', flavor: 'last-resort' });
  return { rssBefore, rssAfter: process.memoryUsage.rss(), ms: performance.now() - started };
}

export interface MemoryReleaserOptions {
  /** False: requests are ignored (default true). */
  enabled?: boolean;
  /** Wait after a request, so that the burst's objects are garbage by then (default 2 s). */
  delayMs?: number;
  /** At most one release in this long (default 60 s); later requests wait for its end. */
  minIntervalMs?: number;
  /**
   * How busy the event loop was since `since` (0 to 1); above a half the release waits another
   * delay, so that it does not stop a process in the middle of its work.
   */
  utilization?: (since: EventLoopUtilization) => number;
  release?: () => MemoryRelease;
  onReleased?: (result: MemoryRelease, reasons: string[]) => void;
}

const BUSY = 0.5;

/** Coalesces requests for a release after bursts into one release now and then. */
export class MemoryReleaser {
  private timer?: NodeJS.Timeout;
  private reasons: string[] = [];
  private lastAt = Number.NEGATIVE_INFINITY;
  private since?: EventLoopUtilization;
  private stopped = false;

  constructor(private readonly options: MemoryReleaserOptions = {}) {}

  /** Loading the modules and starting up are the first burst. */
  onApplicationBootstrap(): void {
    this.request('started');
  }

  beforeApplicationShutdown(): void {
    this.stop();
  }

  /** Asks for a release after a burst; `reason` is said with the result. */
  request(reason: string): void {
    if (this.stopped || this.options.enabled === false) return;
    if (!this.reasons.includes(reason)) this.reasons.push(reason);
    if (this.timer) return;
    const earliest = this.lastAt + (this.options.minIntervalMs ?? 60_000);
    this.schedule(Math.max(this.options.delayMs ?? 2_000, earliest - Date.now()));
  }

  private schedule(wait: number): void {
    this.since = performance.eventLoopUtilization();
    this.timer = setTimeout(() => this.run(), wait);
    this.timer.unref();
  }

  stop(): void {
    this.stopped = true;
    clearTimeout(this.timer);
    this.timer = undefined;
  }

  private run(): void {
    this.timer = undefined;
    const utilization =
      this.options.utilization ?? ((since) => performance.eventLoopUtilization(since).utilization);
    // Busy (serving requests, running jobs): what it allocates reuses those pages anyway.
    if (utilization(this.since!) > BUSY) {
      this.schedule(this.options.delayMs ?? 2_000);
      return;
    }
    const reasons = this.reasons;
    this.reasons = [];
    this.lastAt = Date.now();
    const result = (this.options.release ?? releaseFreedMemory)();
    this.options.onReleased?.(result, reasons);
  }
}
