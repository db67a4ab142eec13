import type { ClusterSpec } from './cluster.js';
import { desiredMachineCount } from './cluster.js';
import { isLive, type MachinePhase, type MachineRole } from './machine.js';
import type { PlannedStep } from './operation.js';
import { resolveAddons } from '../addons/resolve.js';

export interface ObservedMachine {
  role: MachineRole;
  pool: string | null;
  phase: MachinePhase;
}

export interface PlanInput {
  spec: ClusterSpec;
  deleting: boolean;
  machines: ObservedMachine[];
  infrastructureReady: boolean;
}

/** Step names the reconciler reports progress against. */
export const StepNames = {
  infrastructure: 'infrastructure',
  controlPlane: 'control-plane',
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

function planApply({ spec, machines, infrastructureReady }: PlanInput): PlannedStep[] {
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

  for (const pool of spec.nodePools) {
    const have = live.filter((m) => m.role === 'worker' && m.pool === pool.name).length;
    const step = scaleStep(StepNames.nodePool(pool.name), `pool ${pool.name}`, have, pool.replicas);
    if (step) steps.push(step);
  }
  // Machines a former operation began to remove are finished first, and the plan says so.
  const leftovers = machines.filter((m) => m.phase === 'Deleting');
  for (const group of new Set(
    leftovers.map((m) => (m.role === 'control-plane' ? '' : (m.pool ?? ''))),
  )) {
    const count = leftovers.filter(
      (m) => (m.role === 'control-plane' ? '' : (m.pool ?? '')) === group,
    ).length;
    const name = group === '' ? StepNames.controlPlane : StepNames.nodePool(group);
    if (steps.some((s) => s.name === name)) continue;
    steps.push({
      name,
      description: `Finish removing ${count} machine${plural(count)} from the ${group === '' ? 'control plane' : `pool ${group}`}`,
      total: count,
    });
  }
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
