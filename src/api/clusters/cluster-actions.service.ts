import { Inject, Injectable } from '@nestjs/common';
import type { Principal } from '../../auth/principal.js';
import { ConflictError, NotFoundError } from '../../domain/errors.js';
import { isLive, type MachinePhase } from '../../domain/machine.js';
import { planCluster, StepNames } from '../../domain/plan.js';
import type { DatabaseHandle, Db } from '../../persistence/database.js';
import type { ProjectRecord } from '../../persistence/records.js';
import { DATABASE, repositories } from '../../persistence/repositories.js';
import { PROVIDERS, type ProviderRegistry } from '../../providers/infrastructure-provider.js';
import { planCapabilities } from '../../providers/provider-capabilities.js';
import { ReconcileQueue } from '../../queue/reconcile-queue.js';
import { MachineRepairs } from '../../reconcilers/machine-repairs.js';
import type { Answer } from '../idempotency.js';
import { clusterView, operationView } from '../representations.js';
import type { ClusterView, OperationView } from '../schemas.js';
import { operationRow } from './cluster-operations.js';

/** Actions on a cluster beside spec changes: resume after a cancel, repair a machine. */
@Injectable()
export class ClusterActionsService {
  constructor(
    @Inject(DATABASE) private readonly database: DatabaseHandle,
    @Inject(PROVIDERS) private readonly providers: ProviderRegistry,
    private readonly queue: ReconcileQueue,
    private readonly repairs: MachineRepairs,
  ) {}

  /**
   * Picks up a cluster whose Operation was cancelled (or failed) part-way: a new Operation
   * whose plan is what is left from the current state to the spec. With nothing left, the
   * cluster is returned as it is.
   */
  async resume(
    project: ProjectRecord,
    principal: Principal,
    name: string,
  ): Promise<Answer<OperationView | ClusterView>> {
    const db = this.database.db;
    const cluster = await repositories(db).clusters.findLiveByName(project.id, name);
    if (!cluster)
      throw new NotFoundError(`cluster "${name}" not found in project "${project.name}"`);
    if (cluster.deletionRequestedAt) throw new ConflictError(`cluster "${name}" is being deleted`);
    const answer = await db.transaction(async (t) => {
      const tx = repositories(t as unknown as Db);
      const active = await tx.operations.activeForCluster(cluster.id);
      if (active) {
        throw new ConflictError(
          `operation ${active.id} (${active.type}) is still in progress on cluster "${name}"; nothing to resume`,
        );
      }
      const machines = await tx.machines.listExisting(cluster.id);
      const steps = planCluster({
        spec: cluster.spec,
        deleting: false,
        machines,
        infrastructureReady: cluster.observedGeneration > 0,
        ...planCapabilities(this.providers, cluster.spec.provider),
      });
      const converged =
        cluster.status.phase === 'Running' &&
        // Readiness and add-on checks are in every plan; anything else is work left.
        steps.every((s) => s.name === StepNames.nodesReady || s.name === StepNames.addons) &&
        cluster.observedGeneration === cluster.generation;
      if (converged) return { status: 200, body: clusterView(cluster, project.name) } as const;
      const updated = await tx.clusters.updateSpec(
        cluster.id,
        cluster.resourceVersion,
        cluster.spec,
      );
      if (!updated) throw new ConflictError(`cluster "${name}" changed meanwhile; try again`);
      const operation = await tx.operations.insert(
        operationRow(updated, 'Resume', principal),
        steps,
      );
      return { status: 202, body: operationView(operation, project.name) } as const;
    });
    if (answer.status === 202) await this.queue.enqueue(cluster.id);
    return answer;
  }

  /** Replaces one machine by hand, as auto-repair would. */
  async repair(
    project: ProjectRecord,
    principal: Principal,
    clusterName: string,
    machineName: string,
    reason: string | undefined,
  ): Promise<OperationView> {
    const repos = repositories(this.database.db);
    const cluster = await repos.clusters.findLiveByName(project.id, clusterName);
    if (!cluster)
      throw new NotFoundError(`cluster "${clusterName}" not found in project "${project.name}"`);
    const machine = (await repos.machines.listExisting(cluster.id)).find(
      (m) => m.name === machineName && isLive(m.phase as MachinePhase),
    );
    if (!machine)
      throw new NotFoundError(`cluster "${clusterName}" has no machine "${machineName}"`);
    const outcome = await this.repairs.request({
      clusterId: cluster.id,
      machineId: machine.id,
      reason: 'Manual',
      message: reason ?? `asked for through the API`,
      requestedBy: principal.tokenId,
    });
    if (outcome.answer !== 'accepted') throw new ConflictError(outcome.detail);
    return operationView(outcome.operation, project.name);
  }
}
