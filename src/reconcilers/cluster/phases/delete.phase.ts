import { ConditionReasons, ConditionTypes } from '../../../domain/conditions.js';
import { StepNames } from '../../../domain/plan.js';
import { mapWithConcurrency } from '../../../common/concurrency.js';
import {
  DONE,
  POLL_MS,
  waitFor,
  type PhaseResult,
  type ReconcileContext,
} from '../reconcile-context.js';

/**
 * Deletes every machine, recorded or not: the provider's own list is consulted too, so a
 * machine created just before a crash (and never recorded) is not left behind.
 */
export async function reconcileDeleteMachines(ctx: ReconcileContext): Promise<PhaseResult> {
  ctx.setCondition(
    ConditionTypes.Ready,
    false,
    ConditionReasons.Deleting,
    'the cluster is being deleted',
  );
  const recorded = ctx.existing;
  const atProvider = await ctx.provider.listMachines(ctx.ref);
  const total = Math.max(recorded.length, atProvider.length);
  await mapWithConcurrency(recorded, 32, async (machine) => {
    if (!atProvider.some((p) => p.name === machine.name)) {
      await ctx.machines.update(machine.id, { phase: 'Deleted' });
      return;
    }
    if (machine.phase !== 'Deleting') await ctx.machines.update(machine.id, { phase: 'Deleting' });
  });
  await mapWithConcurrency(
    atProvider.filter((m) => m.state !== 'deleting'),
    32,
    (m) => ctx.provider.deleteMachine(ctx.ref, m.name),
  );
  if (atProvider.length === 0) {
    ctx.existing = [];
    await ctx.progress.done(StepNames.deleteMachines);
    return DONE;
  }
  const message = `${atProvider.length} machine${atProvider.length === 1 ? '' : 's'} still being deleted`;
  await ctx.progress.running(StepNames.deleteMachines, total - atProvider.length, message);
  return waitFor(message, POLL_MS);
}

export async function reconcileDeleteInfrastructure(ctx: ReconcileContext): Promise<PhaseResult> {
  await ctx.progress.running(StepNames.deleteInfrastructure, 0);
  const { gone } = await ctx.provider.deleteClusterInfrastructure(ctx.ref);
  if (!gone) return waitFor('infrastructure is being deleted', POLL_MS);
  await ctx.progress.done(StepNames.deleteInfrastructure);
  return DONE;
}

/** Delete is complete only when the provider lists nothing tagged for the cluster. */
export async function reconcileVerifyDeleted(ctx: ReconcileContext): Promise<PhaseResult> {
  const left = await ctx.provider.listTaggedResources(ctx.cluster.id, ctx.ref);
  if (left.length === 0) {
    await ctx.progress.done(StepNames.verifyDeleted);
    return DONE;
  }
  const message = `still tagged for the cluster: ${left.map((r) => `${r.kind}/${r.name}`).join(', ')}`;
  await ctx.progress.running(StepNames.verifyDeleted, 0, message);
  return waitFor(message, POLL_MS);
}
