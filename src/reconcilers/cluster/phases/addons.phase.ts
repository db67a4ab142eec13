import { resolveAddons } from '../../../addons/resolve.js';
import type { AddonStatus } from '../../../domain/cluster.js';
import { ConditionReasons, ConditionTypes } from '../../../domain/conditions.js';
import { TerminalError } from '../../../domain/errors.js';
import { StepNames } from '../../../domain/plan.js';
import type { ClusterAddonRecord } from '../../../persistence/addons.repository.js';
import { DONE, waitFor, type PhaseResult, type ReconcileContext } from '../reconcile-context.js';

/** How soon to look at the add-on jobs again; their parent job wakes the cluster when done. */
const ADDONS_POLL_MS = 2_000;

/**
 * Add-ons, once every node is Ready: compares what the spec asks for with what the add-on jobs
 * recorded, starts the cluster's flow of jobs when something differs, and waits for it. An
 * add-on that failed for this generation fails the Operation, naming it.
 */
export async function reconcileAddons(ctx: ReconcileContext): Promise<PhaseResult> {
  const port = ctx.addons;
  if (!port) return DONE;
  const { cluster } = ctx;
  const desired = resolveAddons(cluster.spec).addons;
  const rows = await port.list(cluster.id);
  // Recorded into the status this pass writes, whatever it decides.
  cluster.status.addons = rows.map(statusOf);
  const byName = new Map(rows.map((r) => [r.name, r]));
  const pending = desired.filter((a) => {
    const row = byName.get(a.name);
    return !(row?.phase === 'Healthy' && row.fingerprint === a.fingerprint);
  });
  const unwanted = rows.filter((r) => !desired.some((a) => a.name === r.name));
  const failed = [...pending.map((a) => byName.get(a.name)), ...unwanted].find(
    (r) => r?.phase === 'Failed' && r.generation === cluster.generation,
  );
  if (failed) {
    ctx.setCondition(
      ConditionTypes.AddonsReady,
      false,
      ConditionReasons.AddonFailed,
      `${failed.name}: ${failed.message}`,
    );
    throw new TerminalError('AddonFailed', `add-on ${failed.name} failed: ${failed.message}`);
  }
  if (pending.length === 0 && unwanted.length === 0) {
    if (desired.length > 0 || rows.length > 0) await ctx.progress.done(StepNames.addons);
    ctx.setCondition(
      ConditionTypes.AddonsReady,
      true,
      ConditionReasons.AsExpected,
      desired.length > 0
        ? `healthy: ${desired.map((a) => `${a.name} ${a.version}`).join(', ')}`
        : 'no add-ons requested',
    );
    return DONE;
  }
  const names = [...pending.map((a) => a.name), ...unwanted.map((r) => r.name)];
  // A flow still busy with an older spec finishes first; its parent job wakes this cluster.
  if (!(await port.flowRunning(cluster.id))) await port.startFlow(cluster.id, names);
  const message = `add-ons in progress: ${names
    .map((n) => `${n} (${byName.get(n)?.message ?? 'queued'})`)
    .join(', ')}`;
  await ctx.progress.remaining(StepNames.addons, pending.length, message);
  ctx.setCondition(ConditionTypes.AddonsReady, false, ConditionReasons.AddonsProgressing, message);
  return waitFor(message, ADDONS_POLL_MS);
}

function statusOf(row: ClusterAddonRecord): AddonStatus {
  return {
    name: row.name,
    version: row.version,
    phase: row.phase,
    ...(row.message ? { message: row.message } : {}),
  };
}
