import { ConditionTypes, setCondition } from '../../domain/conditions.js';
import type { MachinesRepository } from '../../persistence/machines.repository.js';
import type { OperationsRepository } from '../../persistence/operations.repository.js';
import type { ClusterRecord, OperationRecord } from '../../persistence/records.js';
import type {
  InfrastructureProvider,
  TenantCluster,
} from '../../providers/infrastructure-provider.js';
import type { PendingEvent } from './cluster-events.js';
import { ProgressReporter } from './progress-reporter.js';
import type { ReconcileContext } from './reconcile-context.js';

export type OwnedReconcileContext = ReconcileContext & { closeTenant(): Promise<void> };

/**
 * What one pass starts from: the cluster, its machines, the active Operation's steps, a lazily
 * connected tenant client, and condition changes turned into events for people.
 */
export async function buildContext(
  repos: {
    machines: MachinesRepository;
    operations: OperationsRepository;
    addons?: ReconcileContext['addons'];
  },
  cluster: ClusterRecord,
  operation: OperationRecord | undefined,
  provider: InfrastructureProvider,
  pending: PendingEvent[],
): Promise<OwnedReconcileContext> {
  const steps = operation ? await repos.operations.steps(operation.id) : [];
  let tenant: TenantCluster | undefined;
  const ref = {
    id: cluster.id,
    name: cluster.name,
    projectId: cluster.projectId,
    spec: cluster.spec,
  };
  const ctx: OwnedReconcileContext = {
    cluster,
    ref,
    provider,
    machines: repos.machines,
    progress: new ProgressReporter(repos.operations, operation?.id, steps),
    existing: await repos.machines.listExisting(cluster.id),
    conditions: cluster.status.conditions,
    ...(repos.addons ? { addons: repos.addons } : {}),
    tenant: async () => (tenant ??= await provider.connectTenant(ref)),
    recordEvent: (type, reason, message) => pending.push({ type, reason, message }),
    closeTenant: async () => {
      await tenant?.close();
    },
    setCondition: (type, ok, reason, message) => {
      const before = ctx.conditions.find((c) => c.type === type);
      const status = ok ? 'True' : 'False';
      if (type !== ConditionTypes.Reconciling && before?.status !== status && (before || !ok)) {
        pending.push({
          type: ok ? 'Normal' : 'Warning',
          reason,
          message: `${type} is ${status}: ${message}`,
        });
      }
      ctx.conditions = setCondition(ctx.conditions, {
        type,
        status: ok ? 'True' : 'False',
        reason,
        message,
        observedGeneration: cluster.generation,
      });
    },
  };
  return ctx;
}
