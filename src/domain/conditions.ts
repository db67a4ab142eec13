export type ConditionStatus = 'True' | 'False' | 'Unknown';

export interface Condition {
  type: ConditionType;
  status: ConditionStatus;
  reason: ConditionReason;
  message: string;
  lastTransitionTime: string;
  observedGeneration: number;
}

export const ConditionTypes = {
  /** Network, load balancer and whatever else the provider needs before machines. */
  InfrastructureReady: 'InfrastructureReady',
  /** Every control-plane machine is running at the requested version. */
  ControlPlaneReady: 'ControlPlaneReady',
  /** Every pool has its requested number of machines, none left over. */
  NodePoolsReady: 'NodePoolsReady',
  /** Every machine's node is registered and Ready in the tenant cluster. */
  NodesReady: 'NodesReady',
  /** Every add-on the spec asks for is installed at its version and passed its health gates. */
  AddonsReady: 'AddonsReady',
  /** Every running machine's node has registered with the tenant API server (Ready or not). */
  NodesJoined: 'NodesJoined',
  /** The spec is fully realised and the cluster is healthy. */
  Ready: 'Ready',
  /** The reconciler is working towards a newer generation, or retrying an error. */
  Reconciling: 'Reconciling',
} as const;
export type ConditionType = (typeof ConditionTypes)[keyof typeof ConditionTypes];

export const ConditionReasons = {
  /** The desired state is in place. */
  AsExpected: 'AsExpected',
  /** Provider resources are being created or are booting. */
  Provisioning: 'Provisioning',
  /** Machines are being added or removed to match the spec. */
  Scaling: 'Scaling',
  /** A node is being drained before its machine is deleted. */
  Draining: 'Draining',
  /** A drain is held up by PodDisruptionBudgets. */
  DrainBlocked: 'DrainBlocked',
  /** Machines exist but their nodes are not all Ready yet. */
  NodesNotReady: 'NodesNotReady',
  /** Machines run but some of their nodes have not registered with the API server. */
  NodesNotJoined: 'NodesNotJoined',
  /** No API server answers, so no node can have joined. */
  APIServerUnreachable: 'APIServerUnreachable',
  /** A retryable error happened; the message is the last one seen. */
  TransientError: 'TransientError',
  /** A non-retryable error stopped the reconcile; the Operation says why. */
  TerminalError: 'TerminalError',
  /** The user cancelled the Operation; reconciling waits for the next spec change. */
  Paused: 'Paused',
  /** Deletion was requested and is under way. */
  Deleting: 'Deleting',
  /** Add-on jobs are installing, upgrading or removing add-ons. */
  AddonsProgressing: 'AddonsProgressing',
  /** An add-on failed for good; the Operation names it. */
  AddonFailed: 'AddonFailed',
  /** A newer spec generation has not been realised yet. */
  NewGeneration: 'NewGeneration',
} as const;
export type ConditionReason = (typeof ConditionReasons)[keyof typeof ConditionReasons];

/** Sets a condition, keeping its transition time unless its status changes. */
export function setCondition(
  conditions: Condition[],
  next: Omit<Condition, 'lastTransitionTime'>,
  now: Date = new Date(),
): Condition[] {
  const existing = conditions.find((c) => c.type === next.type);
  const lastTransitionTime =
    existing && existing.status === next.status ? existing.lastTransitionTime : now.toISOString();
  const updated: Condition = { ...next, lastTransitionTime };
  return [...conditions.filter((c) => c.type !== next.type), updated].sort((a, b) =>
    a.type.localeCompare(b.type),
  );
}
