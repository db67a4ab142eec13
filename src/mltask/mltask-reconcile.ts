import type { KubernetesObject, V1Job, V1Node, V1Pod, V1Service } from '@kubernetes/client-node';
import type { MLTaskObject, MLTaskStatus, SpecCheck } from './mltask-spec.js';
import {
  MLTaskConditions,
  MLTaskReasons,
  mergeConditions,
  observeStatus,
} from './mltask-status.js';

export interface ObservedObjects {
  job?: V1Job;
  service?: V1Service;
  pods: readonly V1Pod[];
  nodes: readonly V1Node[];
  now: string;
}

type NewCondition = Parameters<typeof mergeConditions>[1][number];

/** Builds conditions and statuses stamped with one task's generation and one clock. */
function stamper(task: MLTaskObject, now: string) {
  const generation = task.metadata.generation;
  const stamp = generation !== undefined ? { observedGeneration: generation } : {};
  const condition = (
    type: string,
    status: NewCondition['status'],
    reason: string,
    message: string,
  ): NewCondition => ({ type, status, reason, message, ...stamp });
  const status = (
    fields: Omit<MLTaskStatus, 'conditions' | 'observedGeneration'>,
    conditions: NewCondition[],
  ): MLTaskStatus => ({
    ...fields,
    conditions: mergeConditions(task.status?.conditions, conditions, now),
    ...stamp,
  });
  return { condition, status };
}

/** The status a task should have now; the controller writes it when it differs. */
export function desiredStatus(
  task: MLTaskObject,
  check: SpecCheck,
  observed: ObservedObjects,
): MLTaskStatus {
  const { condition, status } = stamper(task, observed.now);
  const failed = (message: string) => ({
    phase: 'Failed' as const,
    message,
    workers: [],
    readyWorkers: 0,
  });
  if (!check.valid) {
    const message = `invalid spec: ${check.problems.map((p) => `${p.field}: ${p.message}`).join('; ')}`;
    return status(failed(message), [
      condition(MLTaskConditions.SpecValid, 'False', MLTaskReasons.InvalidSpec, message),
    ]);
  }
  const taken = nameTaken(task, observed);
  if (taken) {
    return status({ phase: 'Pending', message: taken, workers: [], readyWorkers: 0 }, [
      condition(MLTaskConditions.SpecValid, 'True', MLTaskReasons.Valid, ''),
      condition(MLTaskConditions.Finished, 'False', MLTaskReasons.NameTaken, taken),
    ]);
  }
  const previous = task.status;
  if (!observed.job && (previous?.phase === 'Succeeded' || previous?.phase === 'Failed')) {
    // The Job was removed after the task finished: what it reported stays the record.
    return previous as MLTaskStatus;
  }
  const { reasons, ...seen } = observeStatus({
    spec: check.spec,
    ...(observed.job ? { job: observed.job } : {}),
    pods: observed.pods,
    nodes: observed.nodes,
  });
  const done = seen.phase === 'Succeeded' || seen.phase === 'Failed';
  const scheduled = done || reasons.scheduled === MLTaskReasons.Scheduled;
  return status(seen, [
    condition(MLTaskConditions.SpecValid, 'True', MLTaskReasons.Valid, ''),
    scheduled
      ? condition(MLTaskConditions.WorkersScheduled, 'True', MLTaskReasons.Scheduled, '')
      : condition(MLTaskConditions.WorkersScheduled, 'False', reasons.scheduled, seen.message),
    condition(
      MLTaskConditions.Finished,
      done ? 'True' : 'False',
      reasons.finished,
      done ? seen.message : '',
    ),
  ]);
}

/**
 * A Job or Service under the task's name that is not the task's: an earlier task of the same
 * name still being garbage-collected, or someone else's. The task waits (level-triggered: it
 * goes on once the object is gone) and says which.
 */
export function nameTaken(
  task: MLTaskObject,
  observed: Pick<ObservedObjects, 'job' | 'service'>,
): string | undefined {
  const owned = (
    [
      ['Job', observed.job],
      ['Service', observed.service],
    ] as const
  ).find(([, o]) => o && !ownedBy(o, task));
  if (!owned) return undefined;
  const [kind, object] = owned;
  const where = `${kind} ${task.metadata.namespace}/${task.metadata.name}`;
  const earlier = object!.metadata?.ownerReferences?.some(
    (r) => r.kind === task.kind && r.name === task.metadata.name,
  );
  if (earlier || object!.metadata?.deletionTimestamp)
    return `waiting for the ${where} of an earlier MLTask of the same name to be deleted`;
  return `the ${where} already exists and is not this task's: delete it or create the task under another name`;
}

function ownedBy(object: KubernetesObject, task: MLTaskObject): boolean {
  return (object.metadata?.ownerReferences ?? []).some(
    (r) => r.controller === true && r.uid === task.metadata.uid,
  );
}

/** Compares statuses regardless of key order (the API server sorts keys of custom objects). */
export function sameStatus(
  current: Partial<MLTaskStatus> | undefined,
  next: MLTaskStatus,
): boolean {
  return canonical(current ?? {}) === canonical(next);
}

function canonical(value: unknown): string {
  return JSON.stringify(value, (_key, v: unknown) =>
    v && typeof v === 'object' && !Array.isArray(v)
      ? Object.fromEntries(
          Object.entries(v as Record<string, unknown>).sort(([a], [b]) => a.localeCompare(b)),
        )
      : v,
  );
}
