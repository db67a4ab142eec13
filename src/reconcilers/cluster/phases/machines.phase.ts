import { TerminalError } from '../../../domain/errors.js';
import { shortSuffix, uuidv7 } from '../../../domain/ids.js';
import {
  isLive,
  machineName,
  type MachinePhase,
  type MachineRole,
} from '../../../domain/machine.js';
import type { NodePoolSpec } from '../../../domain/cluster.js';
import { StepNames } from '../../../domain/plan.js';
import { rolloutStep } from '../../../domain/rollout.js';
import { mapWithConcurrency } from '../../../common/concurrency.js';
import type { MachineRecord } from '../../../persistence/records.js';
import {
  DONE,
  POLL_MS,
  waitFor,
  type PhaseResult,
  type ReconcileContext,
} from '../reconcile-context.js';
import { apiServerUnreachable, observeNodes } from './nodes-ready.phase.js';

/** Provider calls in flight at once while a group scales; a 50-node pool boots together. */
const PROVIDER_CONCURRENCY = 32;

/** How long one reconcile pass waits on a drain before it reports and looks again. */
const DRAIN_WINDOW_MS = 5_000;

export interface MachineGroup {
  step: string;
  role: MachineRole;
  /** Undefined for the control plane and for pools removed from the spec. */
  pool?: NodePoolSpec;
  poolName: string | null;
  desired: number;
  version: string;
  flavor: string;
  drainTimeoutMs: number;
  /** What a drain still blocked after drainTimeoutMs does: fail the step, or delete anyway. */
  onDrainTimeout: 'Fail' | 'Proceed';
  maxSurge: number;
  maxUnavailable: number;
  /** Removals at once while rolling; the control plane takes one at a time. */
  maxRemovalsInFlight?: number;
}

/**
 * Brings one group of machines (the control plane or a pool) to its desired count:
 * record → create → observe for additions; cordon → drain → delete → observe for removals.
 * Each transition is written before the provider call it leads to, so a crash at any point
 * is picked up where it stopped.
 */
export async function reconcileMachineGroup(
  ctx: ReconcileContext,
  group: MachineGroup,
): Promise<PhaseResult> {
  await syncWithProvider(ctx, group);
  const liveMembers = inGroup(ctx, group).filter(isLiveMachine);
  const outdated = liveMembers.filter((m) => isOutdated(m, group));

  let rolling: string | undefined;
  if (outdated.length > 0) {
    rolling = await rollOut(ctx, group, liveMembers);
  } else if (liveMembers.length < group.desired) {
    await addMachines(ctx, group, group.desired - liveMembers.length);
  } else if (liveMembers.length > group.desired) {
    await chooseForRemoval(ctx, liveMembers, liveMembers.length - group.desired);
  }

  const removal = await advanceRemovals(ctx, group);
  const members = inGroup(ctx, group);
  const running = members.filter((m) => m.phase === 'Running').length;
  const live = members.filter(isLiveMachine).length;
  const deleting = members.filter((m) => m.phase === 'Deleting').length;
  const stale = members.filter((m) => isLiveMachine(m) && isOutdated(m, group)).length;

  // Machines still to come up, to be chosen for removal, or being removed.
  const remaining =
    Math.max(0, group.desired - running) + Math.max(0, live - group.desired) + deleting + stale;
  if (running === group.desired && live === group.desired && deleting === 0 && stale === 0) {
    await ctx.progress.done(group.step);
    return DONE;
  }
  const message =
    removal.blockedMessage ??
    rolling ??
    `${running} of ${group.desired} machine${group.desired === 1 ? '' : 's'} running` +
      (deleting > 0 ? `, ${deleting} being removed` : '');
  await ctx.progress.remaining(group.step, remaining, message);
  return waitFor(
    message,
    removal.retryAfterMs ??
      (ctx.bootDeadline !== undefined ? Math.max(10, ctx.bootDeadline - Date.now()) : POLL_MS),
  );
}

/** A machine of another version than its group's, or one asked to be replaced. */
export function isOutdated(machine: MachineRecord, group: MachineGroup): boolean {
  return machine.version !== group.version || machine.replaceReason !== null;
}

/**
 * One pass of a rolling replacement: adds machines of the group's version and starts removing
 * outdated ones as far as maxSurge and maxUnavailable allow, judged by node readiness.
 * Returns a line for people saying where the rollout stands.
 */
async function rollOut(
  ctx: ReconcileContext,
  group: MachineGroup,
  liveMembers: MachineRecord[],
): Promise<string> {
  const ready = await observeNodes(ctx);
  // Without the API server no node can be judged: only machines the provider reports failed
  // are known to serve nothing. They are replaced (removed, and new ones added within
  // maxSurge); any other replacement waits for the API server, and fails the Operation once
  // the provider's join timeout has passed.
  const failed = liveMembers.filter((m) => m.phase === 'Failed' && isOutdated(m, group));
  if (ready === null && failed.length === 0) {
    const message = 'the API server does not answer, so no machine can be replaced';
    apiServerUnreachable(ctx, message);
    return `waiting: ${message}`;
  }
  const decision = rolloutStep({
    desired: group.desired,
    maxSurge: group.maxSurge,
    maxUnavailable: group.maxUnavailable,
    machines: liveMembers.map((m) => ({
      id: m.id,
      outdated: isOutdated(m, group),
      available: m.phase === 'Running' && (ready?.has(m.nodeName ?? '') ?? false),
    })),
    removing: inGroup(ctx, group).filter((m) => m.phase === 'Deleting').length,
    ...(group.maxRemovalsInFlight !== undefined
      ? { maxRemovalsInFlight: group.maxRemovalsInFlight }
      : {}),
  });
  if (ready === null) {
    decision.remove = decision.remove.filter((id) => failed.some((m) => m.id === id));
    decision.create = Math.min(decision.create, failed.length);
  }
  for (const id of decision.remove) {
    const victim = liveMembers.find((m) => m.id === id)!;
    await setMachine(ctx, victim, { phase: 'Deleting', drainStartedAt: new Date() });
    await ctx.progress.running(
      StepNames.replaceMachine(victim.name),
      0,
      'a replacement is up; draining',
    );
  }
  if (decision.create > 0) {
    for (const m of liveMembers.filter((x) => isOutdated(x, group)).slice(0, decision.create)) {
      await ctx.progress.running(
        StepNames.replaceMachine(m.name),
        0,
        `adding a ${group.version} machine`,
      );
    }
    await addMachines(ctx, group, decision.create);
  }
  const members = inGroup(ctx, group).filter(isLiveMachine);
  const fresh = members.filter((m) => !isOutdated(m, group)).length;
  const old = members.filter((m) => isOutdated(m, group)).length;
  return `rolling to ${group.version}: ${fresh} of ${group.desired} machine${group.desired === 1 ? '' : 's'} replaced, ${old} to go`;
}

function isLiveMachine(machine: MachineRecord): boolean {
  return isLive(machine.phase as MachinePhase);
}

function inGroup(ctx: ReconcileContext, group: MachineGroup): MachineRecord[] {
  return ctx.existing.filter(
    (m) => m.role === group.role && (group.role === 'control-plane' || m.pool === group.poolName),
  );
}

function replace(ctx: ReconcileContext, updated: MachineRecord): void {
  ctx.existing = ctx.existing.map((m) => (m.id === updated.id ? updated : m));
}

async function setMachine(
  ctx: ReconcileContext,
  machine: MachineRecord,
  changes: Partial<MachineRecord>,
): Promise<MachineRecord> {
  const updated = { ...machine, ...changes };
  await ctx.machines.update(machine.id, changes);
  replace(ctx, updated);
  return updated;
}

/** Creates recorded-but-uncreated machines and refreshes the state of the others. */
async function syncWithProvider(ctx: ReconcileContext, group: MachineGroup): Promise<void> {
  await mapWithConcurrency(inGroup(ctx, group), PROVIDER_CONCURRENCY, async (machine) => {
    if (machine.phase === 'Pending') {
      const created = await ctx.provider.createMachine(ctx.ref, {
        name: machine.name,
        role: group.role,
        ...(group.pool ? { pool: group.pool } : {}),
        version: machine.version,
        flavor: group.flavor,
      });
      machine = await setMachine(ctx, machine, {
        providerId: created.providerId,
        nodeName: created.nodeName,
        phase: 'Provisioning',
      });
    }
    if (machine.phase !== 'Provisioning' && machine.phase !== 'Running') return;
    const observed = await ctx.provider.getMachine(ctx.ref, machine.name);
    if (!observed) {
      // Gone behind our back: record it as wanted again, and the next pass creates it anew.
      await setMachine(ctx, machine, { phase: 'Pending', providerId: null });
      return;
    }
    if (observed.state === 'failed') {
      await setMachine(ctx, machine, {
        phase: 'Failed',
        failureReason: observed.failureReason ?? 'unknown',
      });
      throw new TerminalError(
        'MachineFailed',
        `machine ${machine.name} failed at the provider: ${observed.failureReason ?? 'no reason given'}`,
      );
    }
    if (observed.state === 'running' && machine.phase !== 'Running') {
      await setMachine(ctx, machine, { phase: 'Running', nodeName: observed.nodeName });
    }
    if (observed.state === 'provisioning' && observed.readyInMs !== undefined) {
      // A deadline, not a duration: the rest of the pass must not push the next look later.
      ctx.bootDeadline = Math.min(
        ctx.bootDeadline ?? Date.now() + POLL_MS,
        Date.now() + observed.readyInMs,
      );
    }
  });
}

async function addMachines(
  ctx: ReconcileContext,
  group: MachineGroup,
  count: number,
): Promise<void> {
  const rows = await ctx.machines.insertMany(
    Array.from({ length: count }, () => ({
      id: uuidv7(),
      clusterId: ctx.cluster.id,
      name: machineName(ctx.cluster.name, group.poolName ?? undefined, shortSuffix()),
      role: group.role,
      pool: group.poolName,
      phase: 'Pending',
      version: group.version,
    })),
  );
  ctx.existing = [...ctx.existing, ...rows];
  await syncWithProvider(ctx, group);
}

/** Unhealthy and unfinished machines go first, then the newest. */
async function chooseForRemoval(
  ctx: ReconcileContext,
  live: MachineRecord[],
  count: number,
): Promise<void> {
  const rank = (m: MachineRecord) =>
    m.phase === 'Failed' ? 0 : m.phase === 'Pending' ? 1 : m.phase === 'Provisioning' ? 2 : 3;
  const victims = [...live]
    .sort((a, b) => rank(a) - rank(b) || b.id.localeCompare(a.id))
    .slice(0, count);
  for (const victim of victims) {
    await setMachine(ctx, victim, { phase: 'Deleting', drainStartedAt: new Date() });
  }
}

interface RemovalProgress {
  blockedMessage?: string;
  retryAfterMs?: number;
}

async function advanceRemovals(
  ctx: ReconcileContext,
  group: MachineGroup,
): Promise<RemovalProgress> {
  const blocked: string[] = [];
  for (const machine of inGroup(ctx, group).filter((m) => m.phase === 'Deleting')) {
    const step = StepNames.replaceMachine(machine.name);
    const observed = await ctx.provider.getMachine(ctx.ref, machine.name);
    if (!observed) {
      await setMachine(ctx, machine, { phase: 'Deleted' });
      await ctx.progress.done(step);
      continue;
    }
    if (observed.state === 'deleting') continue;
    if (machine.nodeName && observed.state === 'running') {
      const drained = await drainNode(ctx, group, machine);
      if (!drained.ok) {
        blocked.push(drained.message);
        await ctx.progress.running(step, 0, drained.message);
        continue;
      }
    }
    const tenant = machine.nodeName ? await ctx.tenant() : undefined;
    if (group.role === 'control-plane' && machine.nodeName && tenant?.removeEtcdMember) {
      // Before the machine goes: etcd's quorum is then counted over the members that stay.
      await tenant.removeEtcdMember(machine.nodeName);
    }
    await ctx.provider.deleteMachine(ctx.ref, machine.name);
    if (machine.nodeName) await tenant!.deleteNode(machine.nodeName);
    await ctx.progress.running(step, 0, `deleting ${machine.name}`);
  }
  return blocked.length > 0 ? { blockedMessage: blocked.join('; '), retryAfterMs: 2_000 } : {};
}

async function drainNode(
  ctx: ReconcileContext,
  group: MachineGroup,
  machine: MachineRecord,
): Promise<{ ok: true } | { ok: false; message: string }> {
  const tenant = await ctx.tenant();
  await tenant.cordon(machine.nodeName!);
  const elapsed = Date.now() - (machine.drainStartedAt?.getTime() ?? Date.now());
  // Each pass gives evictions a short window; the drain timeout counts from the first pass.
  const result = await tenant.drain(machine.nodeName!, { timeoutMs: DRAIN_WINDOW_MS });
  if (result.drained) return { ok: true };
  const pods = result.blockedBy.join(', ');
  const timedOut = elapsed >= group.drainTimeoutMs;
  // A machine being repaired is unhealthy already: its drain never holds the repair for long.
  if (timedOut && (group.onDrainTimeout === 'Proceed' || machine.replaceReason !== null)) {
    ctx.recordEvent(
      'Warning',
      'DrainTimeout',
      `drain of node ${machine.nodeName} did not finish within ${Math.round(group.drainTimeoutMs / 1000)}s; deleting it anyway${pods ? `; pods still there: ${pods}` : ''}`,
    );
    return { ok: true };
  }
  if (result.blockedBy.length > 0 && timedOut) {
    throw new TerminalError(
      'DrainTimeout',
      `drain of node ${machine.nodeName} did not finish within ${Math.round(group.drainTimeoutMs / 1000)}s; PodDisruptionBudgets block the eviction of pods: ${pods}`,
    );
  }
  return {
    ok: false,
    message:
      result.blockedBy.length > 0
        ? `drain of node ${machine.nodeName} blocked by pods ${pods}`
        : `drain of node ${machine.nodeName}: waiting for evicted pods to terminate: ${(result.terminating ?? []).join(', ') || 'none listed'}`,
  };
}
