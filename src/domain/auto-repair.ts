import { z } from 'zod';
import type { FieldProblem } from './errors.js';

/** What a user expects without asking: repair on, five minutes NotReady, ten minutes to register. */
export const AUTO_REPAIR_DEFAULTS = {
  enabled: true,
  notReadyTimeoutSeconds: 300,
  startupTimeoutSeconds: 600,
  maxUnhealthyPercent: 40,
  maxRepairsPerWindow: 3,
  windowSeconds: 600,
  backoffSeconds: 60,
} as const;

/** Ranges are checked by autoRepairProblems (422, naming the field); the schema checks shape. */
const MAX_SECONDS = 86_400;
const seconds = z
  .int()
  .min(0)
  .meta({ description: `1 to ${MAX_SECONDS} seconds` });
const count = (max: number) =>
  z
    .int()
    .min(0)
    .meta({ description: `0 to ${max}` });

const machineFields = {
  enabled: z.boolean(),
  /** A node whose Ready condition is False or Unknown this long is unhealthy. */
  notReadyTimeoutSeconds: seconds,
  /** A machine whose node has not registered this long after creation is unhealthy. */
  startupTimeoutSeconds: seconds,
};

const clusterFields = {
  ...machineFields,
  /** No automatic repair while more than this share of the cluster's machines is unhealthy. */
  maxUnhealthyPercent: count(100),
  /** At most this many repairs started per cluster within `windowSeconds`. */
  maxRepairsPerWindow: count(100),
  windowSeconds: seconds,
  /** A machine repaired before waits this long, doubled per earlier repair, before the next. */
  backoffSeconds: seconds,
};

const D = AUTO_REPAIR_DEFAULTS;

export const autoRepairPolicySchema = z
  .strictObject({
    enabled: clusterFields.enabled.default(D.enabled),
    notReadyTimeoutSeconds: clusterFields.notReadyTimeoutSeconds.default(D.notReadyTimeoutSeconds),
    startupTimeoutSeconds: clusterFields.startupTimeoutSeconds.default(D.startupTimeoutSeconds),
    maxUnhealthyPercent: clusterFields.maxUnhealthyPercent.default(D.maxUnhealthyPercent),
    maxRepairsPerWindow: clusterFields.maxRepairsPerWindow.default(D.maxRepairsPerWindow),
    windowSeconds: clusterFields.windowSeconds.default(D.windowSeconds),
    backoffSeconds: clusterFields.backoffSeconds.default(D.backoffSeconds),
  })
  .meta({
    id: 'AutoRepairPolicy',
    description: 'When and how fast unhealthy machines are replaced',
  });

/** What a merge patch of the cluster's policy may hold. */
export const autoRepairPolicyPatchSchema = z.strictObject({
  enabled: clusterFields.enabled.optional(),
  notReadyTimeoutSeconds: clusterFields.notReadyTimeoutSeconds.optional(),
  startupTimeoutSeconds: clusterFields.startupTimeoutSeconds.optional(),
  maxUnhealthyPercent: clusterFields.maxUnhealthyPercent.optional(),
  maxRepairsPerWindow: clusterFields.maxRepairsPerWindow.optional(),
  windowSeconds: clusterFields.windowSeconds.optional(),
  backoffSeconds: clusterFields.backoffSeconds.optional(),
});

/**
 * A pool overrides what concerns its own machines; the share, the rate limit and the backoff
 * are the cluster's, since they bound what happens to the cluster as a whole.
 */
export const poolAutoRepairSchema = z
  .strictObject({
    enabled: machineFields.enabled.optional(),
    notReadyTimeoutSeconds: machineFields.notReadyTimeoutSeconds.optional(),
    startupTimeoutSeconds: machineFields.startupTimeoutSeconds.optional(),
  })
  .meta({
    id: 'NodePoolAutoRepair',
    description: "Overrides of the cluster's auto-repair policy for this pool's machines",
  });

export type AutoRepairPolicy = z.output<typeof autoRepairPolicySchema>;
export type PoolAutoRepair = z.output<typeof poolAutoRepairSchema>;

/** The thresholds that apply to one machine. */
export interface MachineRepairPolicy {
  enabled: boolean;
  notReadyTimeoutSeconds: number;
  startupTimeoutSeconds: number;
}

/** The cluster's policy with defaults, also for specs stored before the policy existed. */
export function clusterRepairPolicy(spec: {
  autoRepair?: Partial<AutoRepairPolicy>;
}): AutoRepairPolicy {
  return { ...AUTO_REPAIR_DEFAULTS, ...spec.autoRepair };
}

/** A pool's machines follow the cluster's policy except where the pool overrides it. */
export function machineRepairPolicy(
  cluster: AutoRepairPolicy,
  pool: PoolAutoRepair | undefined,
): MachineRepairPolicy {
  return {
    enabled: cluster.enabled && (pool?.enabled ?? true),
    notReadyTimeoutSeconds: pool?.notReadyTimeoutSeconds ?? cluster.notReadyTimeoutSeconds,
    startupTimeoutSeconds: pool?.startupTimeoutSeconds ?? cluster.startupTimeoutSeconds,
  };
}

const SECOND_FIELDS = [
  'notReadyTimeoutSeconds',
  'startupTimeoutSeconds',
  'windowSeconds',
  'backoffSeconds',
] as const;
const COUNT_FIELDS = { maxUnhealthyPercent: 100, maxRepairsPerWindow: 100 } as const;

function rangeProblems(policy: Partial<AutoRepairPolicy>, path: string): FieldProblem[] {
  const problems: FieldProblem[] = [];
  for (const field of SECOND_FIELDS) {
    const value = policy[field];
    if (value !== undefined && (value < 1 || value > MAX_SECONDS))
      problems.push({
        field: `${path}.${field}`,
        message: `must be from 1 to ${MAX_SECONDS} seconds`,
      });
  }
  for (const [field, max] of Object.entries(COUNT_FIELDS) as [
    keyof typeof COUNT_FIELDS,
    number,
  ][]) {
    const value = policy[field];
    if (value !== undefined && value > max)
      problems.push({ field: `${path}.${field}`, message: `must be from 0 to ${max}` });
  }
  return problems;
}

/**
 * Checks the policy's ranges, and that a pool does not turn repair on where the cluster turned
 * it off.
 */
export function autoRepairProblems(spec: {
  autoRepair: AutoRepairPolicy;
  nodePools: { autoRepair?: PoolAutoRepair | undefined }[];
}): FieldProblem[] {
  const problems = rangeProblems(spec.autoRepair, 'spec.autoRepair');
  spec.nodePools.forEach((pool, i) => {
    if (!pool.autoRepair) return;
    const path = `spec.nodePools[${i}].autoRepair`;
    problems.push(...rangeProblems(pool.autoRepair, path));
    if (pool.autoRepair.enabled && !spec.autoRepair.enabled) {
      problems.push({
        field: `${path}.enabled`,
        message: 'auto-repair is off for the whole cluster (spec.autoRepair.enabled)',
      });
    }
  });
  return problems;
}
