import type { ClusterSpec } from './cluster.js';
import { desiredMachineCount } from './cluster.js';
import { isLive, type MachinePhase, type MachineRole } from './machine.js';
import type { PlannedStep } from './operation.js';
import { resolveAddons } from '../addons/resolve.js';

export interface ObservedMachine {
  role: MachineRole;
  pool: string | null;
  phase: MachinePhase;
  name?: string;
  version?: string;
  /** Set when the machine was asked to be replaced (a repair). */
  replaceReason?: string | null;
}

export interface PlanInput {
  spec: ClusterSpec;
  deleting: boolean;
  machines: ObservedMachine[];
  infrastructureReady: boolean;
  /**
   * The provider runs the control plane as processes beside the machines (kwok) and restarts
   * them on new binaries before any machine is replaced.
   */
  controlPlaneProcesses?: boolean;
  /** etcd runs on the control-plane machines (kubeadm's stacked etcd). */
  stackedEtcd?: boolean;
}

/** Step names the reconciler reports progress against. */
export const StepNames = {
  infrastructure: 'infrastructure',
  controlPlane: 'control-plane',
  controlPlaneRestart: 'control-plane/restart',
  replaceMachine: (machine: string) => `replace/${machine}`,
  nodePool: (pool: string) => `node-pool/${pool}`,
  nodesReady: 'nodes-ready',
  addons: 'addons',
  deleteMachines: 'delete-machines',
  deleteInfrastructure: 'delete-infrastructure',
  verifyDeleted: 'verify-deleted',
} as const;

/**
 * The ordered steps a reconcile will take from the observed state to the spec. The same plan
 * answers `?dryRun=true` and becomes the Operation's step list.
 */
export function planCluster(input: PlanInput): PlannedStep[] {
  return input.deleting ? planDelete(input) : planApply(input);
}

function planApply(input: PlanInput): PlannedStep[] {
  const { spec, machines, infrastructureReady } = input;
  const steps: PlannedStep[] = [];
  if (!infrastructureReady) {
    steps.push({
      name: StepNames.infrastructure,
      description: 'Create the network, security groups and API server load balancer',
      total: 1,
    });
  }
  const live = machines.filter((m) => isLive(m.phase));
  const controlPlane = live.filter((m) => m.role === 'control-plane').length;
  const cpStep = scaleStep(
    StepNames.controlPlane,
    'control plane',
    controlPlane,
    spec.controlPlane.replicas,
  );
  if (cpStep) steps.push(cpStep);
  steps.push(...controlPlaneReplacements(input, live));

  for (const pool of spec.nodePools) {
    const members = live.filter((m) => m.role === 'worker' && m.pool === pool.name);
    const step = scaleStep(
      StepNames.nodePool(pool.name),
      `pool ${pool.name}`,
      members.length,
      pool.replicas,
    );
    if (step) steps.push(step);
    const version = pool.version ?? spec.kubernetesVersion;
    for (const machine of members.filter((m) => outdated(m, version))) {
      steps.push(replaceStep(machine, version, 'worker', input));
    }
  }
  steps.push(...unfinishedRemovals(spec, machines, steps));
  const removedPools = new Set(
    live
      .filter((m) => m.role === 'worker' && !spec.nodePools.some((p) => p.name === m.pool))
      .map((m) => m.pool ?? ''),
  );
  for (const pool of removedPools) {
    if (steps.some((s) => s.name === StepNames.nodePool(pool))) continue;
    const count = live.filter((m) => m.role === 'worker' && (m.pool ?? '') === pool).length;
    steps.push({
      name: StepNames.nodePool(pool),
      description: `Remove pool ${pool}: drain and delete ${count} machine${plural(count)}`,
      total: count,
    });
  }
  const desired = desiredMachineCount(spec);
  steps.push({
    name: StepNames.nodesReady,
    description: `Wait until all ${desired} node${plural(desired)} are Ready`,
    total: Math.max(1, desired),
  });
  const addons = resolveAddons(spec).addons;
  const mentioned = Object.keys(spec.addons ?? {});
  if (addons.length > 0 || mentioned.length > 0) {
    const names = addons.map((a) => `${a.name} ${a.version}`);
    steps.push({
      name: StepNames.addons,
      description:
        names.length > 0
          ? `Install or upgrade add-ons (${names.join(', ')}) and remove any no longer wanted`
          : 'Remove add-ons no longer wanted',
      total: Math.max(1, addons.length),
    });
  }
  return steps;
}

/**
 * Machines a former operation began to remove are finished first, and the plan says so: an
 * interrupted replacement keeps its per-machine step.
 */
function unfinishedRemovals(
  spec: ClusterSpec,
  machines: ObservedMachine[],
  planned: PlannedStep[],
): PlannedStep[] {
  const steps: PlannedStep[] = [];
  const deleting = machines.filter((m) => m.phase === 'Deleting');
  const interrupted = deleting.filter((m) => {
    const version = groupVersion(spec, m);
    return version !== undefined && outdated(m, version);
  });
  for (const machine of interrupted) {
    const name = machine.name ?? '(unnamed)';
    steps.push({
      name: StepNames.replaceMachine(name),
      description: `Finish replacing ${machine.role === 'control-plane' ? 'control-plane machine ' : 'machine '}${name}: drain it and delete it`,
      total: 1,
    });
  }
  const leftovers = deleting.filter((m) => !interrupted.includes(m));
  for (const group of new Set(
    leftovers.map((m) => (m.role === 'control-plane' ? '' : (m.pool ?? ''))),
  )) {
    const count = leftovers.filter(
      (m) => (m.role === 'control-plane' ? '' : (m.pool ?? '')) === group,
    ).length;
    const name = group === '' ? StepNames.controlPlane : StepNames.nodePool(group);
    if (planned.some((s) => s.name === name)) continue;
    steps.push({
      name,
      description: `Finish removing ${count} machine${plural(count)} from the ${group === '' ? 'control plane' : `pool ${group}`}`,
      total: count,
    });
  }
  return steps;
}

/** The version a machine's group runs now; undefined for a pool that left the spec. */
function groupVersion(spec: ClusterSpec, machine: ObservedMachine): string | undefined {
  if (machine.role === 'control-plane') return spec.kubernetesVersion;
  const pool = spec.nodePools.find((p) => p.name === machine.pool);
  return pool ? (pool.version ?? spec.kubernetesVersion) : undefined;
}

function outdated(machine: ObservedMachine, version: string): boolean {
  return (
    (machine.version !== undefined && machine.version !== version) ||
    (machine.replaceReason ?? null) !== null
  );
}

/** The control plane's processes move first (where the provider has them), then its machines. */
function controlPlaneReplacements(input: PlanInput, live: ObservedMachine[]): PlannedStep[] {
  const version = input.spec.kubernetesVersion;
  const stale = live.filter((m) => m.role === 'control-plane' && outdated(m, version));
  const upgrading = stale.some((m) => m.version !== version);
  const steps: PlannedStep[] = [];
  if (upgrading && input.controlPlaneProcesses) {
    steps.push({
      name: StepNames.controlPlaneRestart,
      description: `Restart etcd, the API server, controller manager and scheduler on the ${version} binaries`,
      total: 1,
    });
  }
  for (const machine of stale) steps.push(replaceStep(machine, version, 'control-plane', input));
  return steps;
}

/**
 * One step per machine replaced. A control-plane machine leaves only after its successor is
 * Ready and, with stacked etcd, its machine is deleted only after its etcd member was removed
 * through the API server, so that a three-machine control plane never drops below quorum; one
 * machine at a time.
 */
function replaceStep(
  machine: ObservedMachine,
  version: string,
  role: MachineRole,
  input: PlanInput,
): PlannedStep {
  const name = machine.name ?? '(unnamed)';
  const why =
    machine.version !== undefined && machine.version !== version
      ? `${machine.version} → ${version}`
      : `repair: ${machine.replaceReason ?? 'asked for'}`;
  const actions =
    role === 'control-plane'
      ? [
          `add a ${version} control-plane machine and wait until its node is Ready`,
          `cordon and drain ${name}`,
          ...(input.stackedEtcd
            ? [`remove the etcd member of ${name} through the API server`]
            : []),
          `delete ${name}`,
        ]
      : [
          `add a ${version} machine within maxSurge and wait until its node is Ready`,
          `cordon ${name} and drain it through the Eviction API (PodDisruptionBudgets hold)`,
          `delete ${name}`,
        ];
  return {
    name: StepNames.replaceMachine(name),
    description: `Replace ${role === 'control-plane' ? 'control-plane machine' : `machine`} ${name} (${why}): ${actions.join(', then ')}`,
    total: 1,
  };
}

function planDelete({ machines }: PlanInput): PlannedStep[] {
  const existing = machines.filter((m) => m.phase !== 'Deleted').length;
  return [
    {
      name: StepNames.deleteMachines,
      description: `Drain and delete ${existing} machine${plural(existing)}`,
      total: Math.max(1, existing),
    },
    {
      name: StepNames.deleteInfrastructure,
      description: 'Delete the load balancer, security groups and network',
      total: 1,
    },
    {
      name: StepNames.verifyDeleted,
      description: 'Confirm the provider lists nothing tagged for the cluster',
      total: 1,
    },
  ];
}

function scaleStep(
  name: string,
  what: string,
  have: number,
  want: number,
): PlannedStep | undefined {
  if (have === want) return undefined;
  if (want > have) {
    const n = want - have;
    return {
      name,
      description: `Add ${n} machine${plural(n)} to the ${what} (${have} → ${want})`,
      total: n,
    };
  }
  const n = have - want;
  return {
    name,
    description: `Drain and remove ${n} machine${plural(n)} from the ${what} (${have} → ${want})`,
    total: n,
  };
}

function plural(n: number): string {
  return n === 1 ? '' : 's';
}
