/**
 * A work queue of keys: a key waits at most once, is never processed twice at the same time,
 * and a key added while it runs is processed again afterwards. Failures come back with backoff.
 */
export class KeyedQueue {
  private readonly waiting = new Set<string>();
  private readonly running = new Set<string>();
  private readonly dirty = new Set<string>();
  private readonly failures = new Map<string, number>();
  private readonly timers = new Set<NodeJS.Timeout>();
  private active = false;
  private inFlight = 0;
  private idleWaiters: (() => void)[] = [];

  constructor(
    private readonly handle: (key: string) => Promise<void>,
    private readonly options: {
      concurrency: number;
      onError: (key: string, error: unknown) => void;
      baseDelayMs?: number;
      maxDelayMs?: number;
    },
  ) {}

  start(): void {
    this.active = true;
    this.pump();
  }

  async stop(): Promise<void> {
    this.active = false;
    for (const timer of this.timers) clearTimeout(timer);
    this.timers.clear();
    await this.idle();
  }

  add(key: string): void {
    if (this.running.has(key)) this.dirty.add(key);
    else this.waiting.add(key);
    this.pump();
  }

  /** Resolves when nothing waits or runs. */
  idle(): Promise<void> {
    if (this.inFlight === 0 && (this.waiting.size === 0 || !this.active)) return Promise.resolve();
    return new Promise((resolve) => this.idleWaiters.push(resolve));
  }

  private pump(): void {
    while (this.active && this.inFlight < this.options.concurrency) {
      const key = this.waiting.values().next().value;
      if (key === undefined) break;
      this.waiting.delete(key);
      this.running.add(key);
      this.inFlight++;
      void this.run(key);
    }
    if (this.inFlight === 0 && (this.waiting.size === 0 || !this.active)) {
      const waiters = this.idleWaiters;
      this.idleWaiters = [];
      for (const resolve of waiters) resolve();
    }
  }

  private async run(key: string): Promise<void> {
    try {
      await this.handle(key);
      this.failures.delete(key);
    } catch (error) {
      this.options.onError(key, error);
      this.retryLater(key);
    } finally {
      this.running.delete(key);
      this.inFlight--;
      if (this.dirty.delete(key)) this.waiting.add(key);
      this.pump();
    }
  }

  private retryLater(key: string): void {
    const attempt = (this.failures.get(key) ?? 0) + 1;
    this.failures.set(key, attempt);
    const base = this.options.baseDelayMs ?? 500;
    const delay = Math.min(base * 2 ** (attempt - 1), this.options.maxDelayMs ?? 30_000);
    const timer = setTimeout(() => {
      this.timers.delete(timer);
      if (this.active) this.add(key);
    }, delay);
    this.timers.add(timer);
  }
}
