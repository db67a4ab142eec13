import { ConditionReasons, ConditionTypes } from '../../domain/conditions.js';
import { StepNames } from '../../domain/plan.js';
import { poolVersion } from '../../domain/upgrade-rules.js';
import {
  DONE,
  POLL_MS,
  waitFor,
  type PhaseResult,
  type ReconcileContext,
} from './reconcile-context.js';
import { reconcileInfrastructure } from './phases/infrastructure.phase.js';
import { reconcileMachineGroup, type MachineGroup } from './phases/machines.phase.js';
import { reconcileNodesReady } from './phases/nodes-ready.phase.js';
import { reconcileAddons } from './phases/addons.phase.js';
import {
  reconcileDeleteInfrastructure,
  reconcileDeleteMachines,
  reconcileVerifyDeleted,
} from './phases/delete.phase.js';

export type Phase = (ctx: ReconcileContext) => Promise<PhaseResult>;

/** Infrastructure, control plane, every pool side by side, nodes Ready, then add-ons. */
export function applyPhases(ctx: ReconcileContext): Phase[] {
  const { spec } = ctx.cluster;
  const groups: MachineGroup[] = [
    {
      step: StepNames.controlPlane,
      role: 'control-plane',
      poolName: null,
      desired: spec.controlPlane.replicas,
      version: spec.kubernetesVersion,
      flavor: spec.controlPlane.flavor,
      drainTimeoutMs: 600_000,
      onDrainTimeout: 'Fail',
      // A new control-plane machine joins before an old one leaves, one at a time.
      maxSurge: 1,
      maxUnavailable: 0,
      maxRemovalsInFlight: 1,
    },
    ...spec.nodePools.map((pool) => ({
      step: StepNames.nodePool(pool.name),
      role: 'worker' as const,
      pool,
      poolName: pool.name,
      desired: pool.replicas,
      version: poolVersion(spec, pool),
      flavor: pool.flavor,
      drainTimeoutMs: pool.upgrade.drainTimeoutSeconds * 1000,
      onDrainTimeout: pool.upgrade.onDrainTimeout,
      maxSurge: pool.upgrade.maxSurge,
      maxUnavailable: pool.upgrade.maxUnavailable,
    })),
    ...removedPools(ctx).map((name) => ({
      step: StepNames.nodePool(name),
      role: 'worker' as const,
      poolName: name,
      desired: 0,
      version: spec.kubernetesVersion,
      flavor: 'standard',
      drainTimeoutMs: 600_000,
      onDrainTimeout: 'Fail' as const,
      maxSurge: 0,
      maxUnavailable: 1,
    })),
  ];
  const [controlPlane, ...pools] = groups;
  const machinesPhase =
    (group: MachineGroup): Phase =>
    (c) =>
      reconcileMachineGroup(c, group);
  const poolsPhase: Phase = async (c) => {
    // Pools scale side by side; the slowest decides when the phase is done.
    const results = [];
    for (const group of pools) results.push(await reconcileMachineGroup(c, group));
    const waiting = results.flatMap((r) => (r.done ? [] : [r]));
    if (waiting.length === 0) {
      c.setCondition(
        ConditionTypes.NodePoolsReady,
        true,
        ConditionReasons.AsExpected,
        'every pool has its requested machines',
      );
      return { done: true };
    }
    const message = waiting.map((w) => w.message).join('; ');
    c.setCondition(ConditionTypes.NodePoolsReady, false, ConditionReasons.Scaling, message);
    return {
      done: false,
      requeueAfterMs: Math.min(...waiting.map((w) => w.requeueAfterMs)),
      message,
    };
  };
  const controlPlanePhase: Phase = async (c) => {
    const restarted = await controlPlaneProcesses(c);
    if (!restarted.done) return restarted;
    const result = await machinesPhase(controlPlane!)(c);
    c.setCondition(
      ConditionTypes.ControlPlaneReady,
      result.done,
      result.done ? ConditionReasons.AsExpected : ConditionReasons.Provisioning,
      result.done ? 'control plane machines are running' : result.message,
    );
    return result;
  };
  return [
    reconcileInfrastructure,
    controlPlanePhase,
    poolsPhase,
    reconcileNodesReady,
    reconcileAddons,
  ];
}

/**
 * Where the control plane runs as processes beside the machines (kwok), they move to the new
 * version first, before any machine is replaced.
 */
async function controlPlaneProcesses(ctx: ReconcileContext): Promise<PhaseResult> {
  const { provider, ref, cluster } = ctx;
  if (!provider.ensureControlPlaneVersion) return DONE;
  const version = cluster.spec.kubernetesVersion;
  // Marks the step started (once; a plan without it ignores this) before a restart that may
  // finish within this one call.
  await ctx.progress.running(StepNames.controlPlaneRestart, 0, `restarting on ${version}`);
  const state = await provider.ensureControlPlaneVersion(ref, version);
  if (!state.ready) {
    const message = state.message ?? `restarting the control plane on ${version}`;
    await ctx.progress.running(StepNames.controlPlaneRestart, 0, message);
    return waitFor(message, state.retryAfterMs ?? POLL_MS);
  }
  await ctx.progress.done(StepNames.controlPlaneRestart);
  return DONE;
}

function removedPools(ctx: ReconcileContext): string[] {
  const inSpec = new Set(ctx.cluster.spec.nodePools.map((p) => p.name));
  return [
    ...new Set(
      ctx.existing
        .filter((m) => m.role === 'worker' && m.pool && !inSpec.has(m.pool))
        .map((m) => m.pool!),
    ),
  ];
}

/** Machines (recorded or not), infrastructure, then proof that nothing is left. */
export function deletePhases(): Phase[] {
  return [reconcileDeleteMachines, reconcileDeleteInfrastructure, reconcileVerifyDeleted];
}
