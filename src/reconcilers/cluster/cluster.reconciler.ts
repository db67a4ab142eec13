import type { ClusterPhase } from '../../domain/cluster.js';
import {
  ConditionReasons,
  ConditionTypes,
  setCondition,
  type Condition,
} from '../../domain/conditions.js';
import { TerminalError, TransientError } from '../../domain/errors.js';
import type { OperationRecord, ClusterRecord } from '../../persistence/records.js';
import type { ClustersRepository } from '../../persistence/clusters.repository.js';
import type { MachinesRepository } from '../../persistence/machines.repository.js';
import type { OperationsRepository } from '../../persistence/operations.repository.js';
import type { ProviderRegistry } from '../../providers/infrastructure-provider.js';
import { buildStatus } from './cluster-status.js';
import type { ReconcileContext } from './reconcile-context.js';
import { observeMachineFailures } from './phases/machine-failures.js';
import { observeNodes } from './phases/nodes-ready.phase.js';
import { retryDelayMs } from './backoff.js';
import type { EventsRepository } from '../../persistence/events.repository.js';
import { recordEvents, type PendingEvent } from './cluster-events.js';
import { applyPhases, deletePhases } from './cluster-phases.js';
import { buildContext } from './context-builder.js';

export interface ReconcileOutcome {
  /** Look again after this long; absent when the cluster needs nothing until something changes. */
  requeueAfterMs?: number;
  result:
    'converged' | 'waiting' | 'retrying' | 'failed' | 'cancelled' | 'idle' | 'deleted' | 'locked';
}

export interface ReconcilerOptions {
  workerId: string;
  leaseSeconds: number;
  retryBaseMs: number;
  retryMaxMs: number;
  addons?: ReconcileContext['addons'];
  /** Told when this reconciler moves an Operation to a final status (for metrics). */
  onOperationFinished?: (type: string, status: string, seconds: number) => void;
}

export interface ReconcileLogger {
  warn(obj: object, msg: string): void;
}

/**
 * Level-triggered reconcile of one cluster: observe, compare, act one idempotent phase at a
 * time, and write status and Operation progress on the way. Safe to run again at any point.
 */
export class ClusterReconciler {
  private readonly inProgress = new Set<string>();

  constructor(
    private readonly clusters: ClustersRepository,
    private readonly machines: MachinesRepository,
    private readonly operations: OperationsRepository,
    private readonly providers: ProviderRegistry,
    private readonly options: ReconcilerOptions,
    private readonly logger: ReconcileLogger,
    private readonly events?: EventsRepository,
  ) {}

  private record(clusterId: string, events: PendingEvent[]): Promise<void> {
    return recordEvents(this.events, this.logger, clusterId, events);
  }

  async reconcile(clusterId: string): Promise<ReconcileOutcome> {
    // The lease is per process (it renews under the same owner), so two jobs of one cluster in
    // this process, such as its follow-up job, must also be kept apart here.
    if (this.inProgress.has(clusterId)) return { result: 'locked', requeueAfterMs: 500 };
    this.inProgress.add(clusterId);
    try {
      return await this.reconcileExclusive(clusterId);
    } finally {
      this.inProgress.delete(clusterId);
    }
  }

  private async reconcileExclusive(clusterId: string): Promise<ReconcileOutcome> {
    const { workerId, leaseSeconds } = this.options;
    if (!(await this.clusters.acquireLease(clusterId, workerId, leaseSeconds))) {
      return { result: 'locked', requeueAfterMs: 2_000 };
    }
    const renew = setInterval(
      () => {
        this.clusters.acquireLease(clusterId, workerId, leaseSeconds).catch((error: unknown) => {
          this.logger.warn({ err: error, clusterId }, 'lease renewal failed');
        });
      },
      (leaseSeconds * 1000) / 3,
    );
    let deleted = false;
    try {
      const outcome = await this.reconcileLeased(clusterId);
      deleted = outcome.result === 'deleted';
      return outcome;
    } finally {
      clearInterval(renew);
      if (!deleted) await this.clusters.releaseLease(clusterId, workerId);
    }
  }

  private async reconcileLeased(clusterId: string): Promise<ReconcileOutcome> {
    const cluster = await this.clusters.findById(clusterId);
    if (!cluster || cluster.deletedAt) return { result: 'idle' };
    const operation = await this.operations.activeForCluster(clusterId);

    if (operation?.status === 'Cancelling') return this.finishCancel(cluster, operation);

    const provider = this.providers.get(cluster.spec.provider);
    if (!provider) {
      return this.fail(
        cluster,
        operation,
        new TerminalError(
          'ProviderDisabled',
          `provider "${cluster.spec.provider}" is not enabled on this worker (KAAS_PROVIDERS)`,
        ),
      );
    }
    const pending: PendingEvent[] = [];
    const ctx = await buildContext(
      { machines: this.machines, operations: this.operations, addons: this.options.addons },
      cluster,
      operation,
      provider,
      pending,
    );
    try {
      return await this.act(ctx, operation);
    } catch (error) {
      if (error instanceof TerminalError) return this.fail(cluster, operation, error, ctx);
      return this.retry(ctx, operation, error);
    } finally {
      await ctx.closeTenant();
      await this.record(cluster.id, pending);
    }
  }

  /** Runs the phases in order until one has to wait; with nothing to do, only observes. */
  private async act(
    ctx: ReconcileContext & { closeTenant(): Promise<void> },
    operation: OperationRecord | undefined,
  ): Promise<ReconcileOutcome> {
    const { cluster } = ctx;
    const deleting = cluster.deletionRequestedAt !== null;
    if (!operation && !deleting) return this.observeOnly(ctx);
    if (operation?.status === 'Pending') await this.operations.start(operation.id);

    const phases = deleting ? deletePhases() : applyPhases(ctx);
    for (const phase of phases) {
      if (operation && (await this.cancelRequested(operation.id))) {
        return this.finishCancel(cluster, { ...operation, status: 'Cancelling' });
      }
      const result = await phase(ctx);
      if (!result.done) return this.waiting(ctx, operation, result.message, result.requeueAfterMs);
    }
    return this.converged(ctx, operation, deleting);
  }

  private async waiting(
    ctx: ReconcileContext,
    operation: OperationRecord | undefined,
    message: string,
    requeueAfterMs: number,
  ): Promise<ReconcileOutcome> {
    const { cluster } = ctx;
    if (!cluster.deletionRequestedAt) {
      ctx.setCondition(
        ConditionTypes.Reconciling,
        true,
        ConditionReasons.NewGeneration,
        `working towards generation ${cluster.generation}: ${message}`,
      );
      ctx.setCondition(ConditionTypes.Ready, false, ConditionReasons.Provisioning, message);
    }
    // Node readiness is shown while machines come and go, not only once they all have.
    if (!ctx.readyNodes && (ctx.endpoint ?? cluster.status.endpoint))
      await observeNodes(ctx).catch(() => null);
    await this.writeStatus(ctx, this.phaseWhileWorking(cluster), undefined, operation);
    if (operation) await this.operations.clearAttemptErrors(operation.id);
    return { result: 'waiting', requeueAfterMs };
  }

  private async converged(
    ctx: ReconcileContext & { closeTenant(): Promise<void> },
    operation: OperationRecord | undefined,
    deleting: boolean,
  ): Promise<ReconcileOutcome> {
    const { cluster } = ctx;
    if (deleting) {
      await this.clusters.markDeleted(cluster.id);
      if (operation) await this.finish(operation, ['Pending', 'Running'], 'Succeeded');
      return { result: 'deleted' };
    }
    ctx.setCondition(
      ConditionTypes.Ready,
      true,
      ConditionReasons.AsExpected,
      'the cluster matches its spec and every node is Ready',
    );
    ctx.setCondition(
      ConditionTypes.Reconciling,
      false,
      ConditionReasons.AsExpected,
      `generation ${cluster.generation} is realised`,
    );
    await this.writeStatus(ctx, 'Running', cluster.generation);
    if (operation && operation.targetGeneration <= cluster.generation) {
      await this.finish(operation, ['Pending', 'Running'], 'Succeeded');
    }
    // A spec change that landed during this pass is picked up at once.
    const latest = await this.clusters.findById(cluster.id);
    if (latest && latest.generation > cluster.generation)
      return { result: 'waiting', requeueAfterMs: 0 };
    return { result: 'converged' };
  }

  private async observeOnly(
    ctx: ReconcileContext & { closeTenant(): Promise<void> },
  ): Promise<ReconcileOutcome> {
    const { cluster } = ctx;
    await observeMachineFailures(ctx);
    if (cluster.observedGeneration === 0) return { result: 'idle' };
    const ready = await observeNodes(ctx).catch(() => null);
    const running = ctx.existing.filter((m) => m.phase === 'Running');
    const allReady = ready !== null && running.every((m) => m.nodeName && ready.has(m.nodeName));
    const phase: ClusterPhase = allReady ? 'Running' : 'Degraded';
    await this.writeStatus(
      ctx,
      cluster.status.phase === 'Failed' ? 'Failed' : phase,
      undefined,
      undefined,
    );
    return { result: 'idle' };
  }

  private phaseWhileWorking(cluster: ClusterRecord): ClusterPhase {
    if (cluster.deletionRequestedAt) return 'Deleting';
    return cluster.observedGeneration === 0 ? 'Provisioning' : 'Updating';
  }

  private async writeStatus(
    ctx: ReconcileContext,
    phase: ClusterPhase,
    observedGeneration: number | undefined,
    operation?: OperationRecord,
  ): Promise<void> {
    const { cluster } = ctx;
    const status = buildStatus({
      spec: cluster.spec,
      previous: cluster.status,
      conditions: ctx.conditions,
      machines: ctx.existing,
      ...(ctx.readyNodes ? { readyNodes: ctx.readyNodes } : {}),
      ...(ctx.endpoint ? { endpoint: ctx.endpoint } : {}),
      phase,
      observedGeneration: observedGeneration ?? cluster.observedGeneration,
      ...(operation ? { currentOperationId: operation.id } : {}),
    });
    await this.clusters.writeStatus(cluster.id, status, observedGeneration);
  }

  private async finish(
    operation: OperationRecord,
    from: OperationRecord['status'][],
    to: 'Succeeded' | 'Failed' | 'Cancelled',
    error?: { reason: string; message: string; at: string },
  ): Promise<void> {
    const moved = await this.operations.transition(operation.id, from, to, error);
    if (moved) {
      await this.record(operation.clusterId, [
        {
          type: to === 'Succeeded' ? 'Normal' : 'Warning',
          reason: `Operation${to}`,
          message: `${operation.type} operation ${operation.id} ${to.toLowerCase()}${error ? `: ${error.reason}: ${error.message}` : ''}`,
        },
      ]);
    }
    if (moved)
      this.options.onOperationFinished?.(
        operation.type,
        to,
        (Date.now() - operation.createdAt.getTime()) / 1000,
      );
  }

  private async cancelRequested(operationId: string): Promise<boolean> {
    const current = await this.operations.findById(operationId);
    return current?.status === 'Cancelling';
  }

  private async finishCancel(
    cluster: ClusterRecord,
    operation: OperationRecord,
  ): Promise<ReconcileOutcome> {
    await this.clusters.pauseAt(cluster.id, cluster.generation);
    await this.finish(operation, ['Cancelling'], 'Cancelled', {
      reason: 'Cancelled',
      message:
        'cancelled by request; the cluster was left as it was and resumes on the next spec change',
      at: new Date().toISOString(),
    });
    const conditions = setCondition(cluster.status.conditions, {
      type: ConditionTypes.Reconciling,
      status: 'False',
      reason: ConditionReasons.Paused,
      message: `operation ${operation.id} was cancelled; change the spec to resume`,
      observedGeneration: cluster.generation,
    });
    const machines = await this.machines.listExisting(cluster.id);
    const status = buildStatus({
      spec: cluster.spec,
      previous: cluster.status,
      conditions,
      machines,
      phase: 'Degraded',
      observedGeneration: cluster.observedGeneration,
    });
    await this.clusters.writeStatus(cluster.id, status);
    return { result: 'cancelled' };
  }

  private async fail(
    cluster: ClusterRecord,
    operation: OperationRecord | undefined,
    error: TerminalError,
    ctx?: ReconcileContext,
  ): Promise<ReconcileOutcome> {
    const at = new Date().toISOString();
    if (operation) {
      await this.finish(operation, ['Pending', 'Running'], 'Failed', {
        reason: error.reason,
        message: error.message,
        at,
      });
    }
    let conditions: Condition[] = ctx?.conditions ?? cluster.status.conditions;
    for (const type of [ConditionTypes.Ready, ConditionTypes.Reconciling]) {
      conditions = setCondition(conditions, {
        type,
        status: 'False',
        reason: ConditionReasons.TerminalError,
        message: `${error.reason}: ${error.message}`,
        observedGeneration: cluster.generation,
      });
    }
    const status = buildStatus({
      spec: cluster.spec,
      previous: cluster.status,
      conditions,
      machines: ctx?.existing ?? (await this.machines.listExisting(cluster.id)),
      ...(ctx?.readyNodes ? { readyNodes: ctx.readyNodes } : {}),
      phase:
        cluster.observedGeneration === 0 || cluster.deletionRequestedAt ? 'Failed' : 'Degraded',
      observedGeneration: cluster.observedGeneration,
    });
    await this.clusters.writeStatus(cluster.id, status);
    return { result: 'failed' };
  }

  private async retry(
    ctx: ReconcileContext,
    operation: OperationRecord | undefined,
    error: unknown,
  ): Promise<ReconcileOutcome> {
    const message = error instanceof Error ? error.message : String(error);
    const reason = error instanceof TransientError ? error.reason : 'UnexpectedError';
    if (!(error instanceof TransientError))
      this.logger.warn({ err: error, clusterId: ctx.cluster.id }, 'reconcile failed');
    const attempts = operation
      ? await this.operations.recordAttemptError(operation.id, {
          reason,
          message,
          at: new Date().toISOString(),
        })
      : 1;
    if (attempts === 1) {
      await this.record(ctx.cluster.id, [
        { type: 'Warning', reason, message: `${message} (retrying)` },
      ]);
    }
    ctx.setCondition(
      ConditionTypes.Reconciling,
      true,
      ConditionReasons.TransientError,
      `${reason}: ${message} (attempt ${attempts}, retrying)`,
    );
    ctx.setCondition(
      ConditionTypes.Ready,
      false,
      ConditionReasons.TransientError,
      `${reason}: ${message}`,
    );
    await this.writeStatus(ctx, this.phaseWhileWorking(ctx.cluster), undefined, operation).catch(
      () => undefined,
    );
    return {
      result: 'retrying',
      requeueAfterMs: retryDelayMs(attempts, this.options.retryBaseMs, this.options.retryMaxMs),
    };
  }
}
