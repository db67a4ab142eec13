import type { V1Job, V1Node, V1Pod } from '@kubernetes/client-node';
import { COMPLETION_INDEX_ANNOTATION, GPU_PRODUCT_LABEL, GPU_RESOURCE } from './mltask-render.js';
import type {
  MLTaskCondition,
  MLTaskPhase,
  MLTaskSpec,
  MLTaskStatus,
  WorkerStatus,
} from './mltask-spec.js';

export const MLTaskConditions = {
  /** The spec passed validation; False says which field is wrong. */
  SpecValid: 'SpecValid',
  /** Every worker has a node. False while one waits, with the reason. */
  WorkersScheduled: 'WorkersScheduled',
  /** The task finished: True with reason Succeeded or Failed. */
  Finished: 'Finished',
} as const;

export const MLTaskReasons = {
  /** The spec is acceptable. */
  Valid: 'Valid',
  /** A field of the spec is not acceptable. */
  InvalidSpec: 'InvalidSpec',
  /** A Job or Service with the task's name exists and belongs to something else. */
  NameTaken: 'NameTaken',
  /** The scheduler found no node for a worker. */
  Unschedulable: 'Unschedulable',
  /** Workers were created and wait for the scheduler or their node. */
  Waiting: 'Waiting',
  /** Every worker is on a node. */
  Scheduled: 'Scheduled',
  /** Every worker finished successfully. */
  Succeeded: 'Succeeded',
  /** A worker failed more often than retries allow. */
  BackoffLimitExceeded: 'BackoffLimitExceeded',
  /** The task ran longer than maxRunTime. */
  DeadlineExceeded: 'DeadlineExceeded',
  /** The Job failed for another reason. */
  Failed: 'Failed',
  /** Not finished yet. */
  InProgress: 'InProgress',
} as const;

export interface Observed {
  spec: MLTaskSpec;
  job?: V1Job;
  pods: readonly V1Pod[];
  nodes: readonly V1Node[];
}

type Verdict = Pick<MLTaskStatus, 'phase' | 'message'> & { reason: string };

/** What a task's status should say, from its Job, its pods and the cluster's nodes. */
export function observeStatus(observed: Observed): Omit<MLTaskStatus, 'conditions'> & {
  reasons: { scheduled: string; finished: string };
} {
  const workers = workerStates(observed);
  const finished = jobFinished(observed);
  const verdict = finished ?? runningOrPending(observed, workers);
  const scheduledReason = workers.every((w) => w.node)
    ? MLTaskReasons.Scheduled
    : workers.some((w) => w.message?.startsWith('cannot be scheduled'))
      ? MLTaskReasons.Unschedulable
      : MLTaskReasons.Waiting;
  return {
    phase: verdict.phase,
    message: verdict.message,
    workers,
    readyWorkers: workers.filter((w) => w.phase === 'Running' || w.phase === 'Succeeded').length,
    ...(observed.job?.status?.startTime ? { startTime: iso(observed.job.status.startTime) } : {}),
    ...(finished ? { completionTime: finishTime(observed.job!) } : {}),
    reasons: {
      scheduled: scheduledReason,
      finished: finished ? verdict.reason : MLTaskReasons.InProgress,
    },
  };
}

function iso(value: Date | string): string {
  return typeof value === 'string' ? value : value.toISOString();
}

function finishTime(job: V1Job): string {
  const condition = job.status?.conditions?.find(
    (c) => (c.type === 'Complete' || c.type === 'Failed') && c.status === 'True',
  );
  const at = job.status?.completionTime ?? condition?.lastTransitionTime;
  return at ? iso(at) : new Date().toISOString();
}

function jobFinished(observed: Observed): Verdict | undefined {
  const conditions = observed.job?.status?.conditions ?? [];
  const done = (type: string) => conditions.find((c) => c.type === type && c.status === 'True');
  if (done('Complete')) {
    const n = observed.spec.workers;
    return {
      phase: 'Succeeded',
      reason: MLTaskReasons.Succeeded,
      message: `all ${n} worker${n === 1 ? '' : 's'} finished successfully`,
    };
  }
  const failed = done('Failed');
  if (!failed) return undefined;
  if (failed.reason === 'DeadlineExceeded')
    return {
      phase: 'Failed',
      reason: MLTaskReasons.DeadlineExceeded,
      message: `stopped after maxRunTime ${observed.spec.maxRunTime ?? ''}: raise spec.maxRunTime or make the run shorter`,
    };
  if (failed.reason === 'BackoffLimitExceeded')
    return {
      phase: 'Failed',
      reason: MLTaskReasons.BackoffLimitExceeded,
      message: `${lastFailure(observed.pods)}; gave up after ${observed.spec.retries} retr${observed.spec.retries === 1 ? 'y' : 'ies'} (spec.retries)`,
    };
  return {
    phase: 'Failed',
    reason: MLTaskReasons.Failed,
    message: failed.message || failed.reason || 'the workers failed',
  };
}

function lastFailure(pods: readonly V1Pod[]): string {
  const failed = pods.filter((p) => p.status?.phase === 'Failed');
  const pod = failed[failed.length - 1];
  if (!pod) return 'a worker failed';
  const terminated = pod.status?.containerStatuses?.[0]?.state?.terminated;
  const index = pod.metadata?.annotations?.[COMPLETION_INDEX_ANNOTATION] ?? '?';
  if (!terminated) return `worker ${index} failed: ${pod.status?.reason ?? 'unknown reason'}`;
  const why = terminated.message ? `: ${terminated.message.trim().slice(0, 300)}` : '';
  return `worker ${index} exited with code ${terminated.exitCode} (${terminated.reason ?? 'Error'})${why}`;
}

function runningOrPending(observed: Observed, workers: WorkerStatus[]): Verdict {
  if (!observed.job)
    return { phase: 'Pending', reason: MLTaskReasons.Waiting, message: 'creating the workers' };
  const running = workers.filter((w) => w.phase === 'Running' || w.phase === 'Succeeded').length;
  if (running === workers.length)
    return {
      phase: 'Running',
      reason: MLTaskReasons.InProgress,
      message: `${running} of ${workers.length} workers running`,
    };
  const blocked = workers.find((w) => w.message);
  const waiting = workers.length - running;
  return {
    phase: 'Pending',
    reason: MLTaskReasons.Waiting,
    message: blocked
      ? `worker ${blocked.index} ${blocked.message}`
      : `${running} of ${workers.length} workers running; ${waiting} waiting for a node or to start`,
  };
}

/** The newest pod of each index decides that worker's state. */
function workerStates(observed: Observed): WorkerStatus[] {
  const byIndex = new Map<number, V1Pod>();
  for (const pod of observed.pods) {
    const index = Number(pod.metadata?.annotations?.[COMPLETION_INDEX_ANNOTATION]);
    if (!Number.isInteger(index)) continue;
    const current = byIndex.get(index);
    if (!current || created(pod) >= created(current)) byIndex.set(index, pod);
  }
  return Array.from({ length: observed.spec.workers }, (_, index) => {
    const pod = byIndex.get(index);
    if (!pod) return { index, phase: 'Pending' as const };
    return workerState(index, pod, observed);
  });
}

function created(pod: V1Pod): number {
  const at = pod.metadata?.creationTimestamp;
  return at ? new Date(at).getTime() : 0;
}

function workerState(index: number, pod: V1Pod, observed: Observed): WorkerStatus {
  const phase = (pod.status?.phase ?? 'Pending') as WorkerStatus['phase'];
  const restarts = pod.status?.containerStatuses?.[0]?.restartCount ?? 0;
  const state: WorkerStatus = {
    index,
    phase: phase === 'Running' || phase === 'Succeeded' || phase === 'Failed' ? phase : 'Pending',
    pod: pod.metadata!.name!,
    ...(pod.spec?.nodeName ? { node: pod.spec.nodeName } : {}),
    ...(restarts > 0 ? { restarts } : {}),
  };
  const message = pendingMessage(pod, observed);
  return message && state.phase === 'Pending' ? { ...state, message } : state;
}

function pendingMessage(pod: V1Pod, observed: Observed): string | undefined {
  const scheduled = pod.status?.conditions?.find((c) => c.type === 'PodScheduled');
  if (scheduled?.status === 'False' && scheduled.reason === 'Unschedulable') {
    return `cannot be scheduled: ${unschedulableReason(observed.spec, observed.nodes, scheduled.message)}`;
  }
  const waiting = pod.status?.containerStatuses?.[0]?.state?.waiting;
  if (waiting?.reason && waiting.reason !== 'ContainerCreating')
    return `cannot start: ${waiting.reason}${waiting.message ? ` (${waiting.message})` : ''}`;
  return undefined;
}

/**
 * Says in the task's own terms why no node fits, from the nodes' capacity; falls back to the
 * scheduler's message when capacity is not the reason.
 */
export function unschedulableReason(
  spec: MLTaskSpec,
  nodes: readonly V1Node[],
  schedulerMessage: string | undefined,
): string {
  const { gpus, gpuType } = spec.resources;
  const fallback = `no node fits a worker (scheduler: ${schedulerMessage ?? 'no details'})`;
  if (gpus === 0) return fallback;
  const wanted = `needs ${gpus} ${GPU_RESOURCE}${gpuType ? ` of type ${gpuType}` : ''} per worker`;
  const gpuNodes = nodes.filter((n) => gpuCount(n) > 0);
  if (gpuNodes.length === 0)
    return `${wanted}; the cluster has no GPU nodes: add a node pool with GPUs`;
  const ofType = gpuType
    ? gpuNodes.filter((n) => n.metadata?.labels?.[GPU_PRODUCT_LABEL] === gpuType)
    : gpuNodes;
  if (ofType.length === 0) {
    const types = [
      ...new Set(gpuNodes.map((n) => n.metadata?.labels?.[GPU_PRODUCT_LABEL] ?? 'unlabelled')),
    ].sort();
    return `${wanted}; no node has that GPU type (GPU types here: ${types.join(', ')})`;
  }
  const largest = Math.max(...ofType.map(gpuCount));
  if (largest < gpus)
    return `${wanted}; the largest GPU node offers ${largest}: ask for at most ${largest} GPUs per worker and more workers, or add a node pool with larger GPU nodes`;
  return fallback;
}

function gpuCount(node: V1Node): number {
  const value = node.status?.allocatable?.[GPU_RESOURCE] ?? node.status?.capacity?.[GPU_RESOURCE];
  const n = Number(value ?? 0);
  return Number.isFinite(n) ? n : 0;
}

/** Keeps lastTransitionTime of conditions whose status did not change. */
export function mergeConditions(
  previous: readonly MLTaskCondition[] | undefined,
  next: readonly Omit<MLTaskCondition, 'lastTransitionTime'>[],
  now: string,
): MLTaskCondition[] {
  return next.map((c) => {
    const before = previous?.find((p) => p.type === c.type);
    return {
      ...c,
      lastTransitionTime: before && before.status === c.status ? before.lastTransitionTime : now,
    };
  });
}

export function isFinished(phase: MLTaskPhase | undefined): boolean {
  return phase === 'Succeeded' || phase === 'Failed';
}
