export const OPERATION_TYPES = [
  'Create',
  'Update',
  'Scale',
  'Upgrade',
  'Repair',
  'Resume',
  'Delete',
] as const;
export type OperationType = (typeof OPERATION_TYPES)[number];

export const OPERATION_STATUSES = [
  'Pending',
  'Running',
  'Cancelling',
  'Succeeded',
  'Failed',
  'Cancelled',
] as const;
export type OperationStatus = (typeof OPERATION_STATUSES)[number];

export const ACTIVE_OPERATION_STATUSES: readonly OperationStatus[] = [
  'Pending',
  'Running',
  'Cancelling',
];

export function isFinished(status: OperationStatus): boolean {
  return status === 'Succeeded' || status === 'Failed' || status === 'Cancelled';
}

export const STEP_STATUSES = ['Pending', 'Running', 'Done', 'Failed', 'Cancelled'] as const;
export type StepStatus = (typeof STEP_STATUSES)[number];

export interface OperationError {
  reason: string;
  message: string;
  at: string;
}

/** One step of a plan: what the reconciler will do, in order. */
export interface PlannedStep {
  /** Stable key the reconciler reports progress against, e.g. `node-pool/gpu`. */
  name: string;
  description: string;
  /** Units of work in the step (machines to create or delete), at least 1. */
  total: number;
}

export interface OperationStep extends PlannedStep {
  status: StepStatus;
  done: number;
  message?: string;
  startedAt?: string;
  finishedAt?: string;
}

/** Whole-operation progress in percent, weighting each step by its units of work. */
export function operationProgress(
  steps: Pick<OperationStep, 'status' | 'done' | 'total'>[],
): number {
  const total = steps.reduce((n, s) => n + s.total, 0);
  if (total === 0) return 100;
  const done = steps.reduce(
    (n, s) => n + (s.status === 'Done' ? s.total : Math.min(s.done, s.total)),
    0,
  );
  return Math.floor((done * 100) / total);
}
