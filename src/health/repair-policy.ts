import {
  clusterRepairPolicy,
  machineRepairPolicy,
  type AutoRepairPolicy,
  type MachineRepairPolicy,
  type PoolAutoRepair,
} from '../domain/auto-repair.js';
import type { MachinePhase, MachineRole } from '../domain/machine.js';
import type { RepairReason, RepairRequest } from './repair-port.js';

/** What the policy needs of a machine record. */
export interface WatchedMachine {
  id: string;
  name: string;
  role: MachineRole;
  pool: string | null;
  phase: MachinePhase;
  nodeName: string | null;
  createdAt: Date;
  failureReason: string | null;
  drainStartedAt: Date | null;
}

/** A node as last watched; `readySince` is when its Ready condition last changed. */
export interface ObservedNode {
  name: string;
  ready: boolean;
  readySince?: string;
}

/** A repair the requester accepted: what rate limits and backoff count. */
export interface RepairHistoryEntry {
  machineId: string;
  role: MachineRole;
  reason: RepairReason;
  at: string;
}

export interface PolicySpec {
  autoRepair?: Partial<AutoRepairPolicy>;
  nodePools: { name: string; autoRepair?: PoolAutoRepair | undefined }[];
}

export interface ClusterHealthInput {
  clusterId: string;
  spec: PolicySpec;
  machines: readonly WatchedMachine[];
  nodes: ReadonlyMap<string, ObservedNode>;
  /** False until the first list of nodes arrived: absent nodes then prove nothing. */
  nodesSynced: boolean;
  history: readonly RepairHistoryEntry[];
  now: Date;
}

export interface UnhealthyMachine {
  machineId: string;
  machineName: string;
  role: MachineRole;
  reason: RepairReason;
  message: string;
  since: Date;
}

/** Why an unhealthy machine is not repaired now. */
export type DeferReason = 'Disabled' | 'ShortCircuited' | 'RateLimited' | 'Backoff' | 'Quorum';

export interface DeferredRepair {
  machineId: string;
  reason: DeferReason;
  until?: Date;
}

export interface ShortCircuit {
  /** Unhealthy machines and machines whose node is not Ready yet within its timeout. */
  unhealthy: number;
  total: number;
  maxUnhealthyPercent: number;
}

export interface ClusterHealthAssessment {
  /** Machines that count: neither being deleted nor drained for removal. */
  total: number;
  unhealthy: UnhealthyMachine[];
  shortCircuit?: ShortCircuit;
  repairs: RepairRequest[];
  deferred: DeferredRepair[];
  /** When a timeout, backoff or window next ends: evaluate again then. */
  nextCheckAt?: Date;
}

interface MachineHealth {
  unhealthy?: UnhealthyMachine;
  /** When the machine turns unhealthy if nothing changes. */
  dueAt?: Date;
  /** Its node is not Ready, though not for long enough yet to repair it. */
  notReady?: boolean;
}

const MS = 1000;

/** A machine that counts towards the cluster's size and may be unhealthy. */
function counts(machine: WatchedMachine): boolean {
  return machine.phase !== 'Deleting' && machine.phase !== 'Deleted' && !machine.drainStartedAt;
}

/** Is this one machine unhealthy now under its policy, or when will it be if nothing changes. */
export function machineHealth(
  machine: WatchedMachine,
  node: ObservedNode | undefined,
  policy: MachineRepairPolicy,
  now: Date,
  nodesSynced: boolean,
): MachineHealth {
  const base = { machineId: machine.id, machineName: machine.name, role: machine.role };
  if (machine.phase === 'Failed') {
    const detail = machine.failureReason ? `: ${machine.failureReason}` : '';
    return {
      unhealthy: {
        ...base,
        reason: 'MachineFailed',
        message: `the provider reports machine ${machine.name} failed${detail}`,
        since: now,
      },
    };
  }
  if (node) return nodeHealth(machine, node, policy, now, base);
  if (!nodesSynced || (machine.phase !== 'Running' && machine.phase !== 'Provisioning')) return {};
  const dueAt = new Date(machine.createdAt.getTime() + policy.startupTimeoutSeconds * MS);
  if (dueAt > now) return { dueAt };
  return {
    unhealthy: {
      ...base,
      reason: 'NodeNeverRegistered',
      message: `machine ${machine.name} has no node ${policy.startupTimeoutSeconds}s after creation`,
      since: dueAt,
    },
  };
}

function nodeHealth(
  machine: WatchedMachine,
  node: ObservedNode,
  policy: MachineRepairPolicy,
  now: Date,
  base: Pick<UnhealthyMachine, 'machineId' | 'machineName' | 'role'>,
): MachineHealth {
  if (node.ready) return {};
  const since = node.readySince ? new Date(node.readySince) : now;
  const dueAt = new Date(since.getTime() + policy.notReadyTimeoutSeconds * MS);
  if (dueAt > now) return { dueAt, notReady: true };
  const forSeconds = Math.round((now.getTime() - since.getTime()) / MS);
  return {
    unhealthy: {
      ...base,
      reason: 'NodeNotReady',
      message: `node ${node.name} of machine ${machine.name} has not been Ready for ${forSeconds}s (timeout ${policy.notReadyTimeoutSeconds}s)`,
      since: dueAt,
    },
  };
}

/** More than the allowed share unhealthy: repairing would more likely make things worse. */
export function isShortCircuited(unhealthy: number, total: number, maxPercent: number): boolean {
  return total > 0 && unhealthy * 100 > maxPercent * total;
}

/** Until when a machine repaired before must wait: base, doubled per earlier repair. */
export function backoffUntil(
  machineId: string,
  history: readonly RepairHistoryEntry[],
  backoffSeconds: number,
): Date | undefined {
  const times = history
    .filter((h) => h.machineId === machineId)
    .map((h) => Date.parse(h.at))
    .sort((a, b) => a - b);
  const last = times.at(-1);
  if (last === undefined) return undefined;
  return new Date(last + backoffSeconds * MS * 2 ** Math.min(times.length - 1, 20));
}

/** Repairs started within the window; the oldest ends the window's hold first. */
function recentRepairs(
  history: readonly RepairHistoryEntry[],
  policy: AutoRepairPolicy,
  now: Date,
) {
  const from = now.getTime() - policy.windowSeconds * MS;
  return history
    .map((h) => Date.parse(h.at))
    .filter((t) => t > from)
    .sort((a, b) => a - b);
}

/**
 * A control-plane machine is repaired only where etcd keeps quorum: three or more members, no
 * other control-plane repair under way, and a majority of members Ready without this one.
 */
export function controlPlaneRepairAllowed(
  machine: UnhealthyMachine,
  machines: readonly WatchedMachine[],
  readyIds: ReadonlySet<string>,
  history: readonly RepairHistoryEntry[],
): boolean {
  const members = machines.filter((m) => m.role === 'control-plane' && counts(m));
  if (members.length < 3) return false;
  const changing = machines.some(
    (m) =>
      m.role === 'control-plane' &&
      m.id !== machine.machineId &&
      (!counts(m) || m.phase === 'Pending' || m.phase === 'Provisioning'),
  );
  const live = new Set(members.map((m) => m.id));
  const requested = history.some(
    (h) => h.role === 'control-plane' && h.machineId !== machine.machineId && live.has(h.machineId),
  );
  if (changing || requested) return false;
  const healthyOthers = members.filter(
    (m) => m.id !== machine.machineId && readyIds.has(m.id),
  ).length;
  return healthyOthers > Math.floor(members.length / 2);
}

function earliest(dates: (Date | undefined)[]): Date | undefined {
  let best: Date | undefined;
  for (const d of dates) if (d && (!best || d < best)) best = d;
  return best;
}

/**
 * Decides, from machines, watched nodes, policy and the repairs already started, which machines
 * are unhealthy and why, whether the cluster is short-circuited, and which repairs may start now.
 * Pure: the monitor supplies the clock and carries out the answer.
 */
export function assessClusterHealth(input: ClusterHealthInput): ClusterHealthAssessment {
  const policy = clusterRepairPolicy(input.spec);
  const pools = new Map(input.spec.nodePools.map((p) => [p.name, p.autoRepair]));
  const counted = input.machines.filter(counts);
  const unhealthy: UnhealthyMachine[] = [];
  const policies = new Map<string, MachineRepairPolicy>();
  const due: (Date | undefined)[] = [];
  let notReady = 0;
  for (const machine of counted) {
    const machinePolicy = machineRepairPolicy(
      policy,
      machine.pool ? pools.get(machine.pool) : undefined,
    );
    policies.set(machine.id, machinePolicy);
    const node = machine.nodeName ? input.nodes.get(machine.nodeName) : undefined;
    const health = machineHealth(machine, node, machinePolicy, input.now, input.nodesSynced);
    if (health.unhealthy) unhealthy.push(health.unhealthy);
    due.push(health.dueAt);
    if (health.notReady) notReady++;
  }
  unhealthy.sort((a, b) => a.since.getTime() - b.since.getTime());
  const assessment: ClusterHealthAssessment = {
    total: counted.length,
    unhealthy,
    repairs: [],
    deferred: [],
  };
  if (!policy.enabled) return assessment;
  // Nodes going NotReady together (a zone, a network) cross their timeouts a moment apart:
  // counting the not-yet-timed-out ones keeps the first from being repaired alone.
  const failing = unhealthy.length + notReady;
  if (isShortCircuited(failing, counted.length, policy.maxUnhealthyPercent)) {
    return {
      ...assessment,
      shortCircuit: {
        unhealthy: failing,
        total: counted.length,
        maxUnhealthyPercent: policy.maxUnhealthyPercent,
      },
      deferred: unhealthy.map((u) => ({ machineId: u.machineId, reason: 'ShortCircuited' })),
      nextCheckAt: earliest(due),
    };
  }
  const decided = decideRepairs(input, policy, policies, unhealthy);
  return { ...assessment, ...decided, nextCheckAt: earliest([...due, decided.nextCheckAt]) };
}

function decideRepairs(
  input: ClusterHealthInput,
  policy: AutoRepairPolicy,
  policies: ReadonlyMap<string, MachineRepairPolicy>,
  unhealthy: readonly UnhealthyMachine[],
): Pick<ClusterHealthAssessment, 'repairs' | 'deferred' | 'nextCheckAt'> {
  const recent = recentRepairs(input.history, policy, input.now);
  let slots = policy.maxRepairsPerWindow - recent.length;
  const windowEnds =
    recent[0] === undefined ? undefined : new Date(recent[0] + policy.windowSeconds * MS);
  const readyIds = new Set(
    input.machines
      .filter((m) => m.phase === 'Running' && m.nodeName && input.nodes.get(m.nodeName)?.ready)
      .map((m) => m.id),
  );
  const repairs: RepairRequest[] = [];
  const deferred: DeferredRepair[] = [];
  let controlPlaneChosen = false;
  for (const machine of unhealthy) {
    const defer = (reason: DeferReason, until?: Date) =>
      deferred.push({ machineId: machine.machineId, reason, ...(until ? { until } : {}) });
    const until = backoffUntil(machine.machineId, input.history, policy.backoffSeconds);
    if (!policies.get(machine.machineId)?.enabled) defer('Disabled');
    else if (until && until > input.now) defer('Backoff', until);
    else if (
      machine.role === 'control-plane' &&
      (controlPlaneChosen ||
        !controlPlaneRepairAllowed(machine, input.machines, readyIds, input.history))
    )
      defer('Quorum');
    else if (slots <= 0) defer('RateLimited', windowEnds);
    else {
      slots--;
      controlPlaneChosen ||= machine.role === 'control-plane';
      repairs.push({
        clusterId: input.clusterId,
        machineId: machine.machineId,
        reason: machine.reason,
        message: machine.message,
      });
    }
  }
  return { repairs, deferred, nextCheckAt: earliest(deferred.map((d) => d.until)) };
}
