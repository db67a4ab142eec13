import { Inject, Injectable } from '@nestjs/common';
import { isLive, type MachinePhase } from '../domain/machine.js';
import { planCluster } from '../domain/plan.js';
import { uuidv7 } from '../domain/ids.js';
import type { DatabaseHandle, Db } from '../persistence/database.js';
import type { OperationWithSteps } from '../persistence/operations.repository.js';
import { DATABASE, repositories } from '../persistence/repositories.js';
import { PROVIDERS, type ProviderRegistry } from '../providers/infrastructure-provider.js';
import { planCapabilities } from '../providers/provider-capabilities.js';
import { ReconcileQueue } from '../queue/reconcile-queue.js';

export interface MachineRepairRequest {
  clusterId: string;
  machineId: string;
  /** A short CamelCase word: NodeNotReady, NodeNeverRegistered, MachineFailed, Manual. */
  reason: string;
  message: string;
  /** The API token that asked; undefined when kaas itself noticed the fault. */
  requestedBy?: string;
}

export type MachineRepairOutcome =
  | { answer: 'accepted'; operation: OperationWithSteps }
  /** Another Operation runs on the cluster; ask again once it has ended. */
  | { answer: 'busy'; detail: string; operationId: string }
  | { answer: 'refused'; detail: string };

/**
 * Starts the replacement of one machine as an Operation of type Repair: the machine is marked
 * with the reason, and the reconciler's rolling replacement adds a machine to the same pool,
 * drains the marked one with a timeout and deletes it. Used by the repair action of the API
 * and by the node health monitor alike.
 */
@Injectable()
export class MachineRepairs {
  constructor(
    @Inject(DATABASE) private readonly database: DatabaseHandle,
    @Inject(PROVIDERS) private readonly providers: ProviderRegistry,
    private readonly queue: ReconcileQueue,
  ) {}

  async request(request: MachineRepairRequest): Promise<MachineRepairOutcome> {
    const outcome = await this.database.db.transaction((tx) =>
      this.requestIn(tx as unknown as Db, request),
    );
    if (outcome.answer === 'accepted') await this.queue.enqueue(request.clusterId);
    return outcome;
  }

  private async requestIn(db: Db, request: MachineRepairRequest): Promise<MachineRepairOutcome> {
    const repos = repositories(db);
    const cluster = await repos.clusters.findById(request.clusterId);
    if (!cluster || cluster.deletedAt || cluster.deletionRequestedAt)
      return { answer: 'refused', detail: 'the cluster is being deleted' };
    const machines = await repos.machines.listExisting(cluster.id);
    const machine = machines.find((m) => m.id === request.machineId);
    if (!machine || !isLive(machine.phase as MachinePhase))
      return { answer: 'refused', detail: 'the machine is already being removed' };
    const active = await repos.operations.activeForCluster(cluster.id);
    if (active) {
      return {
        answer: 'busy',
        detail: `operation ${active.id} (${active.type}) is still in progress; wait for it or cancel it`,
        operationId: active.id,
      };
    }
    if (machine.role === 'control-plane') {
      const refusal = controlPlaneRefusal(machines, machine.id);
      if (refusal) return { answer: 'refused', detail: refusal };
    }
    // The spec is unchanged, but the cluster's desired state is not: a new generation, taken
    // only if nobody changed the cluster meanwhile.
    const updated = await repos.clusters.updateSpec(
      cluster.id,
      cluster.resourceVersion,
      cluster.spec,
    );
    if (!updated) {
      return {
        answer: 'busy',
        detail: 'the cluster changed meanwhile; ask again',
        operationId: '',
      };
    }
    const replaceReason = `${request.reason}: ${request.message}`.slice(0, 500);
    await repos.machines.update(machine.id, { replaceReason });
    const observed = machines.map((m) => (m.id === machine.id ? { ...m, replaceReason } : m));
    const operation = await repos.operations.insert(
      {
        id: uuidv7(),
        projectId: cluster.projectId,
        clusterId: cluster.id,
        clusterName: cluster.name,
        type: 'Repair',
        status: 'Pending',
        targetGeneration: updated.generation,
        requestedBy: request.requestedBy ?? null,
      },
      planCluster({
        spec: cluster.spec,
        deleting: false,
        machines: observed,
        infrastructureReady: true,
        ...planCapabilities(this.providers, cluster.spec.provider),
      }),
    );
    await repos.events.insertMany([
      {
        clusterId: cluster.id,
        type: 'Warning',
        reason: 'RepairStarted',
        message: `replacing machine ${machine.name}: ${replaceReason}`,
      },
    ]);
    return { answer: 'accepted', operation };
  }
}

/**
 * A control-plane machine is replaced only when three or more run and no other is being
 * replaced: one at a time, so etcd keeps its quorum throughout.
 */
function controlPlaneRefusal(
  machines: { id: string; role: string; phase: string; replaceReason: string | null }[],
  machineId: string,
): string | undefined {
  const controlPlane = machines.filter(
    (m) => m.role === 'control-plane' && isLive(m.phase as MachinePhase),
  );
  if (controlPlane.length < 3)
    return `a control plane of ${controlPlane.length} machine${controlPlane.length === 1 ? '' : 's'} is not repaired automatically: replacing it would lose etcd's quorum; run three or five`;
  if (controlPlane.some((m) => m.id !== machineId && m.replaceReason !== null))
    return 'another control-plane machine is being replaced; one at a time';
  return undefined;
}
