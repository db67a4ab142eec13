import { ConditionReasons, ConditionTypes } from '../../../domain/conditions.js';
import { TerminalError, TransientError } from '../../../domain/errors.js';
import { StepNames } from '../../../domain/plan.js';
import {
  DONE,
  pollAfterMs,
  waitFor,
  type PhaseResult,
  type ReconcileContext,
} from '../reconcile-context.js';

/** The cluster is Running only when its API answers and every machine's node is Ready. */
export async function observeNodes(ctx: ReconcileContext): Promise<Set<string> | null> {
  const tenant = await ctx.tenant();
  const nodes = await tenant.listNodes();
  if (nodes === null) return null;
  ctx.joinedNodes = new Set(nodes.map((n) => n.name));
  ctx.readyNodes = new Set(nodes.filter((n) => n.ready).map((n) => n.name));
  return ctx.readyNodes;
}

export async function reconcileNodesReady(ctx: ReconcileContext): Promise<PhaseResult> {
  const ready = await observeNodes(ctx);
  const running = ctx.existing.filter((m) => m.phase === 'Running');
  if (ready === null) {
    apiServerUnreachable(
      ctx,
      `the API server does not answer, so none of the ${running.length} running machines has joined as a node`,
    );
    throw new TransientError('the tenant API server does not answer', 'APIServerUnavailable');
  }
  const notJoined = running.filter((m) => !m.nodeName || !ctx.joinedNodes?.has(m.nodeName));
  if (notJoined.length === 0) {
    ctx.setCondition(
      ConditionTypes.NodesJoined,
      true,
      ConditionReasons.AsExpected,
      `all ${running.length} machines have joined as nodes`,
    );
  } else {
    const message = `${notJoined.length} of ${running.length} running machines have not joined: ${names(notJoined)}`;
    ctx.setCondition(ConditionTypes.NodesJoined, false, ConditionReasons.NodesNotJoined, message);
    failAfterJoinTimeout(ctx, message);
  }
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
  const message = `${readyCount} of ${running.length} nodes Ready; waiting for ${names(notReady)}`;
  ctx.setCondition(ConditionTypes.NodesReady, false, ConditionReasons.NodesNotReady, message);
  await ctx.progress.running(StepNames.nodesReady, readyCount, message);
  // Joined nodes usually turn Ready within a moment: look again soon, then less often.
  const since = ctx.conditions.find((c) => c.type === ConditionTypes.NodesReady);
  return waitFor(message, pollAfterMs(Date.parse(since?.lastTransitionTime ?? '')));
}

function names(machines: { nodeName: string | null; name: string }[]): string {
  return `${machines
    .slice(0, 5)
    .map((m) => m.nodeName ?? m.name)
    .join(', ')}${machines.length > 5 ? ', …' : ''}`;
}

/**
 * Says so in the conditions when the tenant API server does not answer, and fails the
 * Operation once that has lasted the provider's join timeout: whichever phase waits on the
 * API server (nodes joining, a rollout replacing machines) must not wait for ever.
 */
export function apiServerUnreachable(ctx: ReconcileContext, message: string): void {
  ctx.setCondition(
    ConditionTypes.NodesReady,
    false,
    ConditionReasons.TransientError,
    'the API server does not answer',
  );
  ctx.setCondition(
    ConditionTypes.NodesJoined,
    false,
    ConditionReasons.APIServerUnreachable,
    message,
  );
  failAfterJoinTimeout(ctx, message);
}

/**
 * With a provider that sets a join timeout, machines that run but never join fail the
 * Operation with a reason, instead of leaving it running for ever. The clock is the
 * NodesJoined condition's: it starts when nodes were first seen missing.
 */
function failAfterJoinTimeout(ctx: ReconcileContext, message: string): void {
  const timeoutMs = ctx.provider.nodeJoinTimeoutMs;
  const condition = ctx.conditions.find((c) => c.type === ConditionTypes.NodesJoined);
  if (timeoutMs === undefined || !condition || condition.status !== 'False') return;
  const waited = Date.now() - Date.parse(condition.lastTransitionTime);
  if (waited < timeoutMs) return;
  throw new TerminalError(
    ConditionReasons.NodesNotJoined,
    `${message} within ${Math.round(timeoutMs / 1000)}s; the servers run but kubeadm did not bring their nodes up: read the servers' console log`,
  );
}
