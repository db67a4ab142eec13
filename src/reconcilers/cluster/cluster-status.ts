import type {
  ClusterPhase,
  ClusterSpec,
  ClusterStatus,
  NodePoolStatus,
} from '../../domain/cluster.js';
import { desiredMachineCount } from '../../domain/cluster.js';
import type { Condition } from '../../domain/conditions.js';
import { isLive, type MachinePhase } from '../../domain/machine.js';
import { compareVersions } from '../../domain/versions.js';
import type { MachineRecord } from '../../persistence/records.js';

export interface StatusInput {
  spec: ClusterSpec;
  previous: ClusterStatus;
  conditions: Condition[];
  machines: MachineRecord[];
  readyNodes?: Set<string>;
  endpoint?: string;
  phase: ClusterPhase;
  observedGeneration: number;
  currentOperationId?: string;
}

/** The one place status is assembled from what a pass observed. */
export function buildStatus(input: StatusInput): ClusterStatus {
  const live = input.machines.filter((m) => isLive(m.phase as MachinePhase));
  // A machine being removed is no replica any more, but its node still runs its version (a
  // drain held by a PodDisruptionBudget, a cancelled upgrade): versions count it until gone.
  const present = input.machines.filter((m) => m.phase !== 'Deleted');
  const isReady = (m: MachineRecord) =>
    m.phase === 'Running' && (input.readyNodes ? input.readyNodes.has(m.nodeName ?? '') : false);
  const poolNames = new Set([
    ...input.spec.nodePools.map((p) => p.name),
    ...live.filter((m) => m.pool).map((m) => m.pool!),
  ]);
  const nodePools: NodePoolStatus[] = [...poolNames].map((name) => {
    const inPool = (m: MachineRecord) => m.role === 'worker' && m.pool === name;
    const members = live.filter(inPool);
    return {
      name,
      desiredReplicas: input.spec.nodePools.find((p) => p.name === name)?.replicas ?? 0,
      replicas: members.length,
      readyReplicas: members.filter(isReady).length,
      versions: versionsOf(present.filter(inPool)),
    };
  });
  const status: ClusterStatus = {
    phase: input.phase,
    conditions: input.conditions,
    nodeCounts: {
      desired: desiredMachineCount(input.spec),
      total: live.length,
      ready: live.filter(isReady).length,
    },
    nodePools,
    observedGeneration: input.observedGeneration,
  };
  const endpoint = input.endpoint ?? input.previous.endpoint;
  if (endpoint) status.endpoint = endpoint;
  const cpVersions = versionsOf(present.filter((m) => m.role === 'control-plane'));
  if (cpVersions.length > 0) status.controlPlaneVersion = cpVersions.join(',');
  if (input.currentOperationId) status.currentOperationId = input.currentOperationId;
  // Add-ons are observed by their phase into the status this pass carries (previous).
  if (input.previous.addons?.length) status.addons = input.previous.addons;
  return status;
}

function versionsOf(machines: MachineRecord[]): string[] {
  return [...new Set(machines.map((m) => m.version))].sort(compareVersions);
}
