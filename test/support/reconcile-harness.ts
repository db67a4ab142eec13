import { initialStatus, type ClusterSpec, type ProviderName } from '../../src/domain/cluster.js';
import { uuidv7 } from '../../src/domain/ids.js';
import { planCluster } from '../../src/domain/plan.js';
import type { OperationType } from '../../src/domain/operation.js';
import type { DatabaseHandle } from '../../src/persistence/database.js';
import { repositories } from '../../src/persistence/repositories.js';
import { FakeProvider } from '../../src/providers/fake/fake.provider.js';
import { PostgresFakeCloudStore } from '../../src/providers/fake/fake-cloud.store.js';
import { FaultInjector } from '../../src/providers/fake/fault-injector.js';
import type { InfrastructureProvider } from '../../src/providers/infrastructure-provider.js';
import {
  ClusterReconciler,
  type ReconcileOutcome,
} from '../../src/reconcilers/cluster/cluster.reconciler.js';

/**
 * Drives the reconciler directly, as the worker would, against a real database and the fake
 * provider: what the queue adds (requeue timing) is left out, what is persisted is real.
 */
export class ReconcileHarness {
  readonly faults = new FaultInjector();
  readonly provider: FakeProvider;
  readonly repos;
  readonly projectId = uuidv7();

  constructor(
    readonly database: DatabaseHandle,
    options: { bootMs?: number; deleteMs?: number; provider?: InfrastructureProvider } = {},
  ) {
    this.repos = repositories(database.db);
    this.provider = new FakeProvider(new PostgresFakeCloudStore(database.db), {
      bootMs: options.bootMs ?? 0,
      deleteMs: options.deleteMs ?? 0,
      faults: this.faults,
    });
    this.other = options.provider;
  }

  /** A provider to reconcile with besides the fake one (kind against its stand-in, say). */
  private readonly other: InfrastructureProvider | undefined;

  reconciler(workerId = 'worker-a'): ClusterReconciler {
    return new ClusterReconciler(
      this.repos.clusters,
      this.repos.machines,
      this.repos.operations,
      new Map<ProviderName, InfrastructureProvider>([
        ['fake', this.provider],
        ...(this.other ? [[this.other.name, this.other] as const] : []),
      ]),
      { workerId, leaseSeconds: 30, retryBaseMs: 10, retryMaxMs: 100 },
      { warn: () => undefined },
    );
  }

  async seedProject(): Promise<void> {
    await this.repos.projects.insert({
      id: this.projectId,
      name: `p-${this.projectId.slice(-8)}`,
      quotaClusters: 10,
      quotaNodes: 100,
    });
  }

  /** Records a cluster and its Create operation the way the API does. */
  async createCluster(name: string, spec: ClusterSpec) {
    const cluster = await this.repos.clusters.insert({
      id: uuidv7(),
      projectId: this.projectId,
      name,
      spec,
      status: initialStatus(),
    });
    const op = await this.operation(
      cluster.id,
      name,
      'Create',
      1,
      planCluster({ spec, deleting: false, machines: [], infrastructureReady: false }),
    );
    return { cluster, operationId: op };
  }

  async changeSpec(clusterId: string, spec: ClusterSpec, type: OperationType = 'Scale') {
    const cluster = (await this.repos.clusters.findById(clusterId))!;
    const updated = (await this.repos.clusters.updateSpec(
      clusterId,
      cluster.resourceVersion,
      spec,
    ))!;
    const machines = await this.repos.machines.listExisting(clusterId);
    return this.operation(
      clusterId,
      cluster.name,
      type,
      updated.generation,
      planCluster({ spec, deleting: false, machines, infrastructureReady: true }),
    );
  }

  async requestDelete(clusterId: string) {
    const cluster = (await this.repos.clusters.requestDeletion(clusterId))!;
    const machines = await this.repos.machines.listExisting(clusterId);
    return this.operation(
      clusterId,
      cluster.name,
      'Delete',
      cluster.generation,
      planCluster({ spec: cluster.spec, deleting: true, machines, infrastructureReady: true }),
    );
  }

  private async operation(
    clusterId: string,
    clusterName: string,
    type: OperationType,
    generation: number,
    steps: ReturnType<typeof planCluster>,
  ) {
    const { operation } = await this.repos.operations.insert(
      {
        id: uuidv7(),
        projectId: this.projectId,
        clusterId,
        clusterName,
        type,
        status: 'Pending',
        targetGeneration: generation,
      },
      steps,
    );
    return operation.id;
  }

  /** Reconciles until nothing asks for a requeue, sleeping as asked (bounded). */
  async reconcileUntilSettled(clusterId: string, maxPasses = 200): Promise<ReconcileOutcome[]> {
    const reconciler = this.reconciler();
    const outcomes: ReconcileOutcome[] = [];
    for (let i = 0; i < maxPasses; i++) {
      const outcome = await reconciler.reconcile(clusterId);
      outcomes.push(outcome);
      if (outcome.requeueAfterMs === undefined) return outcomes;
      await new Promise((r) => setTimeout(r, Math.min(outcome.requeueAfterMs!, 200)));
    }
    throw new Error(
      `cluster ${clusterId} did not settle in ${maxPasses} passes: ${outcomes
        .slice(-3)
        .map((o) => o.result)
        .join(', ')}`,
    );
  }

  async operationState(id: string) {
    const operation = (await this.repos.operations.findById(id))!;
    const steps = await this.repos.operations.steps(id);
    return { operation, steps };
  }
}
