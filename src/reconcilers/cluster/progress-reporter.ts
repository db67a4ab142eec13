import type { OperationsRepository } from '../../persistence/operations.repository.js';
import type { StepStatus } from '../../domain/operation.js';

interface StepState {
  status: StepStatus;
  done: number;
  message: string | null;
}

/**
 * Reports step progress on the cluster's active Operation, writing only what changed. Steps
 * the plan did not contain are ignored: progress is a view, never a source of truth.
 */
export class ProgressReporter {
  private readonly known = new Map<string, StepState>();
  private readonly totals = new Map<string, number>();

  constructor(
    private readonly operations: OperationsRepository,
    private readonly operationId: string | undefined,
    steps: { name: string; status: string; done: number; total: number; message: string | null }[],
  ) {
    for (const step of steps) {
      this.totals.set(step.name, step.total);
      this.known.set(step.name, {
        status: step.status as StepStatus,
        done: step.done,
        message: step.message,
      });
    }
  }

  async running(step: string, done: number, message: string | null = null): Promise<void> {
    await this.write(step, { status: 'Running', done, message });
  }

  /** Progress as work left: done is the step's planned total less what remains. */
  async remaining(step: string, remaining: number, message: string | null = null): Promise<void> {
    const total = this.totals.get(step) ?? 0;
    await this.running(step, Math.max(0, Math.min(total, total - remaining)), message);
  }

  async done(step: string): Promise<void> {
    const current = this.known.get(step);
    await this.write(step, { status: 'Done', done: current?.done ?? 0, message: null }, true);
  }

  private async write(step: string, next: StepState, complete = false): Promise<void> {
    const current = this.known.get(step);
    if (!this.operationId || !current) return;
    if (current.status === 'Done') return;
    if (
      current.status === next.status &&
      current.done === next.done &&
      current.message === next.message
    )
      return;
    this.known.set(step, next);
    await this.operations.updateStep(this.operationId, step, {
      status: next.status,
      message: next.message,
      ...(complete ? {} : { done: next.done }),
    });
  }
}
