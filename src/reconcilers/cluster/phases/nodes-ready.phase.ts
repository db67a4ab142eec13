import { ConditionReasons, ConditionTypes } from '../../../domain/conditions.js';
import { TransientError } from '../../../domain/errors.js';
import { StepNames } from '../../../domain/plan.js';
import {
  DONE,
  POLL_MS,
  waitFor,
  type PhaseResult,
  type ReconcileContext,
} from '../reconcile-context.js';

/** The cluster is Running only when its API answers and every machine's node is Ready. */
export async function observeNodes(ctx: ReconcileContext): Promise<Set<string> | null> {
  const tenant = await ctx.tenant();
  const nodes = await tenant.listNodes();
  if (nodes === null) return null;
  ctx.readyNodes = new Set(nodes.filter((n) => n.ready).map((n) => n.name));
  return ctx.readyNodes;
}

export async function reconcileNodesReady(ctx: ReconcileContext): Promise<PhaseResult> {
  const ready = await observeNodes(ctx);
  if (ready === null) {
    ctx.setCondition(
      ConditionTypes.NodesReady,
      false,
      ConditionReasons.TransientError,
      'the API server does not answer',
    );
    throw new TransientError('the tenant API server does not answer', 'APIServerUnavailable');
  }
  const running = ctx.existing.filter((m) => m.phase === 'Running');
  const notReady = running.filter((m) => !m.nodeName || !ready.has(m.nodeName));
  const readyCount = running.length - notReady.length;
  if (notReady.length === 0) {
    ctx.setCondition(
      ConditionTypes.NodesReady,
      true,
      ConditionReasons.AsExpected,
      `all ${readyCount} nodes are Ready`,
    );
    await ctx.progress.done(StepNames.nodesReady);
    return DONE;
  }
  const message = `${readyCount} of ${running.length} nodes Ready; waiting for ${notReady
    .slice(0, 5)
    .map((m) => m.nodeName ?? m.name)
    .join(', ')}${notReady.length > 5 ? ', …' : ''}`;
  ctx.setCondition(ConditionTypes.NodesReady, false, ConditionReasons.NodesNotReady, message);
  await ctx.progress.running(StepNames.nodesReady, readyCount, message);
  return waitFor(message, POLL_MS);
}
