/**
 * One step of a rolling replacement, the way a Deployment rolls its ReplicaSets: machines of
 * the wanted version are added up to `desired + maxSurge`, and outdated ones are removed while
 * at least `desired - maxUnavailable` machines stay available. Pure: the reconciler calls it on
 * every pass with what it observed, so a rollout resumes from any state after a crash.
 */
export interface RolloutMachine {
  id: string;
  /** Runs another version than the group's, or was asked to be replaced. */
  outdated: boolean;
  /** Running with its node Ready. */
  available: boolean;
}

export interface RolloutInput {
  desired: number;
  maxSurge: number;
  maxUnavailable: number;
  /** Live machines (not being removed). */
  machines: RolloutMachine[];
  /** Machines of the group already being drained or deleted. */
  removing: number;
  /** At most this many removals at once (the control plane: 1, to keep etcd's quorum). */
  maxRemovalsInFlight?: number;
}

export interface RolloutDecision {
  /** How many machines of the wanted version to add now. */
  create: number;
  /** Outdated machines to start removing now, unavailable ones first. */
  remove: string[];
}

export function rolloutStep(input: RolloutInput): RolloutDecision {
  const { desired, machines } = input;
  const current = machines.filter((m) => !m.outdated);
  const outdated = machines.filter((m) => m.outdated);
  const available = machines.filter((m) => m.available).length;
  // Removing an unavailable machine costs no availability; an available one spends budget.
  let budget = available - (desired - input.maxUnavailable);
  let slots = (input.maxRemovalsInFlight ?? Number.POSITIVE_INFINITY) - input.removing;
  const remove: string[] = [];
  const ordered = [...outdated].sort((a, b) => Number(a.available) - Number(b.available));
  for (const machine of ordered) {
    if (slots <= 0) break;
    if (machine.available && budget <= 0) continue;
    remove.push(machine.id);
    slots -= 1;
    if (machine.available) budget -= 1;
  }
  // Machines being drained still exist (and cost quota): they count against the surge.
  const existing = machines.length + input.removing;
  const create = Math.max(
    0,
    Math.min(desired - current.length, desired + input.maxSurge - existing),
  );
  return { create, remove };
}
