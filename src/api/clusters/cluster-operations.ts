import type { Principal } from '../../auth/principal.js';
import type { ClusterSpec } from '../../domain/cluster.js';
import { uuidv7 } from '../../domain/ids.js';
import { jsonEqual } from '../../domain/merge-patch.js';
import type { OperationType } from '../../domain/operation.js';
import type { ClusterRecord } from '../../persistence/records.js';

/** A change that only moves replica counts is reported as a Scale. */
export function isScaleOnly(before: ClusterSpec, after: ClusterSpec): boolean {
  const strip = (s: ClusterSpec) => ({
    ...s,
    nodePools: s.nodePools.map((p) => ({ ...p, replicas: 0 })),
  });
  return (
    before.nodePools.length === after.nodePools.length && jsonEqual(strip(before), strip(after))
  );
}

/** The row of a new Operation for the cluster at its current generation. */
export function operationRow(cluster: ClusterRecord, type: OperationType, principal: Principal) {
  return {
    id: uuidv7(),
    projectId: cluster.projectId,
    clusterId: cluster.id,
    clusterName: cluster.name,
    type,
    status: 'Pending' as const,
    targetGeneration: cluster.generation,
    requestedBy: principal.tokenId,
  };
}
