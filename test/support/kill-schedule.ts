import type { Operation } from '../../sdk/src/index.js';
import { startKaas, type KaasProcess } from './process.js';

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
export const FINISHED = ['Succeeded', 'Failed', 'Cancelled'];

export interface KillScheduleOptions {
  /** Seeded: kill delays are drawn from it. */
  random: () => number;
  /** The worker's environment, read at every restart. */
  env: () => Record<string, string>;
  /** Reads an Operation, riding out outages of the API or the database. */
  getOperation: (id: string) => Promise<Operation>;
}

/**
 * One kaas worker process, SIGKILLed at seeded random moments of operations and started again
 * each time; every kill is recorded as a kill point with the steps that were running.
 */
export class KillSchedule {
  readonly killPoints: string[] = [];
  /** What each killed worker printed, kept for whoever reads a failure. */
  readonly workerLogs: string[] = [];
  worker?: KaasProcess;

  constructor(private readonly options: KillScheduleOptions) {}

  async startWorker(): Promise<KaasProcess> {
    this.worker = await startKaas('worker', this.options.env());
    return this.worker;
  }

  async stopWorker(): Promise<void> {
    await this.worker?.kill('SIGTERM');
  }

  /** Everything the workers printed, the running one last. */
  logs(): string {
    return [...this.workerLogs, this.worker?.output() ?? ''].join('\n=== next worker\n');
  }

  /**
   * Starts an operation, then kills the worker at random moments until it ends or maxKills,
   * then waits (up to settleMs) for the operation to end.
   */
  async withKills(
    label: string,
    start: () => Promise<unknown>,
    maxKills: number,
    during?: (kill: number) => Promise<void>,
    settleMs = 240_000,
  ): Promise<Operation> {
    const { random, getOperation } = this.options;
    const operation = (await start()) as Operation;
    for (let kill = 0; kill < maxKills; kill++) {
      await sleep(100 + Math.floor(random() * 800));
      const current = await getOperation(operation.id);
      if (FINISHED.includes(current.status)) break;
      const running = current.steps.filter((s) => s.status === 'Running').map((s) => s.name);
      await this.worker?.kill('SIGKILL');
      this.workerLogs.push(this.worker?.output() ?? '');
      this.killPoints.push(`${label} #${kill + 1}: during ${running.join(', ') || current.status}`);
      await during?.(kill);
      await this.startWorker();
    }
    const deadline = Date.now() + settleMs;
    for (;;) {
      const current = await getOperation(operation.id);
      if (FINISHED.includes(current.status)) return current;
      if (Date.now() > deadline)
        throw new Error(`${label}: operation still ${current.status} after its kills`);
      await sleep(250);
    }
  }
}
