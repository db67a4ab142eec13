import { ConditionReasons, ConditionTypes } from '../../../domain/conditions.js';
import { StepNames } from '../../../domain/plan.js';
import {
  DONE,
  POLL_MS,
  waitFor,
  type PhaseResult,
  type ReconcileContext,
} from '../reconcile-context.js';

/** Network, security groups and the API endpoint: everything machines need first. */
export async function reconcileInfrastructure(ctx: ReconcileContext): Promise<PhaseResult> {
  await ctx.progress.running(StepNames.infrastructure, 0);
  const state = await ctx.provider.ensureClusterInfrastructure(ctx.ref);
  if (!state.ready) {
    const message = state.message ?? 'infrastructure is being created';
    ctx.setCondition(
      ConditionTypes.InfrastructureReady,
      false,
      ConditionReasons.Provisioning,
      message,
    );
    await ctx.progress.running(StepNames.infrastructure, 0, message);
    return waitFor(message, state.retryAfterMs ?? POLL_MS);
  }
  ctx.endpoint = state.endpoint;
  ctx.setCondition(
    ConditionTypes.InfrastructureReady,
    true,
    ConditionReasons.AsExpected,
    'infrastructure is ready',
  );
  await ctx.progress.done(StepNames.infrastructure);
  return DONE;
}
