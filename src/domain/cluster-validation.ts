import type { ClusterSpec } from './cluster.js';
import { jsonEqual } from './merge-patch.js';
import { desiredMachineCount } from './cluster.js';
import type { FieldProblem } from './errors.js';
import { compareVersions, resolveKubernetesVersion } from './versions.js';
import { upgradeProblems } from './upgrade-rules.js';
import { resolveAddons } from '../addons/resolve.js';
import type { NodePoolSpec } from './cluster.js';

/** The taint and label every GPU pool carries, so only pods asking for GPUs land there. */
export const GPU_TAINT = { key: 'nvidia.com/gpu', value: 'present', effect: 'NoSchedule' } as const;
export const GPU_POOL_LABEL = 'nvidia.com/gpu.present';

function withGpuDefaults(pool: NodePoolSpec): NodePoolSpec {
  if (!pool.gpu) return pool;
  const tainted = pool.taints.some((t) => t.key === GPU_TAINT.key);
  return {
    ...pool,
    labels: { [GPU_POOL_LABEL]: 'true', ...pool.labels },
    taints: tainted ? pool.taints : [...pool.taints, { ...GPU_TAINT }],
  };
}
import { autoRepairProblems } from './auto-repair.js';

export interface ValidationLimits {
  enabledProviders: readonly string[];
  /** Full versions a spec may name; a minor resolves to its newest patch among them. */
  supportedVersions: readonly string[];
  /** The provider whose own catalogue supportedVersions is, named in problems; absent: kaas's. */
  versionsOf?: string;
  maxPoolReplicas: number;
}

/**
 * Checks what the schema cannot: enabled providers, supported versions, unique pool names,
 * replica limits, non-overlapping CIDRs, add-ons against the catalogue. Returns the spec with
 * versions resolved (add-on versions pinned) and GPU pools tainted and labelled.
 */
export function validateClusterSpec(
  spec: ClusterSpec,
  limits: ValidationLimits,
): { spec: ClusterSpec; problems: FieldProblem[] } {
  const problems: FieldProblem[] = [];
  if (!limits.enabledProviders.includes(spec.provider)) {
    problems.push({
      field: 'spec.provider',
      message: `provider "${spec.provider}" is not enabled here; enabled: ${limits.enabledProviders.join(', ')}`,
    });
  }
  const by = limits.versionsOf ? ` by the ${limits.versionsOf} provider` : '';
  const version = resolveKubernetesVersion(spec.kubernetesVersion, limits.supportedVersions);
  if (!version) {
    problems.push({
      field: 'spec.kubernetesVersion',
      message: `Kubernetes ${spec.kubernetesVersion} is not supported${by}; supported: ${limits.supportedVersions.join(', ')}`,
    });
  }
  const seen = new Set<string>();
  const nodePools = spec.nodePools.map((pool, i) => {
    if (seen.has(pool.name)) {
      problems.push({
        field: `spec.nodePools[${i}].name`,
        message: `pool name "${pool.name}" is used twice`,
      });
    }
    seen.add(pool.name);
    if (pool.replicas > limits.maxPoolReplicas) {
      problems.push({
        field: `spec.nodePools[${i}].replicas`,
        message: `at most ${limits.maxPoolReplicas} replicas per pool`,
      });
    }
    if (pool.upgrade.maxSurge === 0 && pool.upgrade.maxUnavailable === 0) {
      problems.push({
        field: `spec.nodePools[${i}].upgrade`,
        message:
          'maxSurge and maxUnavailable cannot both be 0: an upgrade could never make progress',
      });
    }
    // A pool without a version follows the control plane, through upgrades too.
    let poolVersion: string | undefined;
    if (pool.version !== undefined) {
      poolVersion = resolveKubernetesVersion(pool.version, limits.supportedVersions);
      if (!poolVersion) {
        problems.push({
          field: `spec.nodePools[${i}].version`,
          message: limits.versionsOf
            ? `Kubernetes ${pool.version} is not supported${by}; supported: ${limits.supportedVersions.join(', ')}`
            : `Kubernetes ${pool.version} is not supported`,
        });
      } else if (version && compareVersions(poolVersion, version) > 0) {
        problems.push({
          field: `spec.nodePools[${i}].version`,
          message: `a pool cannot be newer than the control plane (${version})`,
        });
      }
    }
    return withGpuDefaults({ ...pool, ...(poolVersion ? { version: poolVersion } : {}) });
  });
  if (cidrsOverlap(spec.network.podCidr, spec.network.serviceCidr)) {
    problems.push({ field: 'spec.network.serviceCidr', message: 'overlaps spec.network.podCidr' });
  }
  problems.push(...autoRepairProblems(spec));
  problems.push(...openstackSpecProblems(spec));
  const resolved = { ...spec, kubernetesVersion: version ?? spec.kubernetesVersion, nodePools };
  // Add-ons are checked against a version kaas supports, or not at all.
  if (!version) return { spec: resolved, problems };
  const addons = resolveAddons(resolved);
  problems.push(...addons.problems);
  return { spec: { ...resolved, addons: addons.pinned }, problems };
}

/** Fields a running cluster cannot change, and version changes outside the upgrade rules. */
export function validateSpecChange(current: ClusterSpec, next: ClusterSpec): FieldProblem[] {
  const problems: FieldProblem[] = [];
  if (current.provider !== next.provider) {
    problems.push({
      field: 'spec.provider',
      message: 'is immutable: create a new cluster on the other provider',
    });
  }
  if (current.network.podCidr !== next.network.podCidr) {
    problems.push({ field: 'spec.network.podCidr', message: 'is immutable after creation' });
  }
  if (current.network.serviceCidr !== next.network.serviceCidr) {
    problems.push({ field: 'spec.network.serviceCidr', message: 'is immutable after creation' });
  }
  problems.push(...upgradeProblems(current, next));
  problems.push(...openstackChangeProblems(current, next));
  next.nodePools.forEach((pool, i) => {
    const before = current.nodePools.find((p) => p.name === pool.name);
    if (before && (before.flavor !== pool.flavor || !jsonEqual(before.gpu, pool.gpu))) {
      problems.push({
        field: `spec.nodePools[${i}]`,
        message:
          'flavor and gpu of an existing pool are immutable: add a new pool and remove the old one',
      });
    }
  });
  return problems;
}

/** `spec.openstack` goes with the openstack provider and only with it. */
function openstackSpecProblems(spec: ClusterSpec): FieldProblem[] {
  if (spec.provider === 'openstack' && !spec.openstack)
    return [
      { field: 'spec.openstack', message: 'is required with provider openstack: cloud and image' },
    ];
  if (spec.provider !== 'openstack' && spec.openstack)
    return [{ field: 'spec.openstack', message: `has no meaning with provider ${spec.provider}` }];
  const nodeCidr = spec.openstack?.network ? undefined : spec.openstack?.nodeCidr;
  if (!nodeCidr) return [];
  return (['podCidr', 'serviceCidr'] as const)
    .filter((field) => cidrsOverlap(nodeCidr, spec.network[field]))
    .map((field) => ({
      field: 'spec.openstack.nodeCidr',
      message: `overlaps spec.network.${field}`,
    }));
}

/** The cloud and network a cluster lives in cannot move under it. */
function openstackChangeProblems(current: ClusterSpec, next: ClusterSpec): FieldProblem[] {
  const before = current.openstack;
  const after = next.openstack;
  if (!before || !after) return [];
  return (['cloud', 'externalNetwork', 'network', 'nodeCidr'] as const)
    .filter((field) => before[field] !== after[field])
    .map((field) => ({ field: `spec.openstack.${field}`, message: 'is immutable after creation' }));
}

export function quotaProblems(
  projectQuota: { clusters: number; nodes: number },
  otherClusters: ClusterSpec[],
  spec: ClusterSpec,
  isNewCluster: boolean,
): FieldProblem[] {
  const problems: FieldProblem[] = [];
  if (isNewCluster && otherClusters.length + 1 > projectQuota.clusters) {
    problems.push({
      field: 'name',
      message: `the project's quota of ${projectQuota.clusters} clusters is used up`,
    });
  }
  const nodes =
    otherClusters.reduce((n, s) => n + desiredMachineCount(s), 0) + desiredMachineCount(spec);
  if (nodes > projectQuota.nodes) {
    problems.push({
      field: 'spec.nodePools',
      message: `this would bring the project to ${nodes} machines, over its quota of ${projectQuota.nodes}`,
    });
  }
  return problems;
}

function cidrsOverlap(a: string, b: string): boolean {
  const range = (cidr: string) => {
    const [ip, bits] = cidr.split('/');
    const start = ip!.split('.').reduce((n, o) => n * 256 + Number(o), 0);
    const size = 2 ** (32 - Number(bits));
    const base = start - (start % size);
    return [base, base + size - 1] as const;
  };
  const [a0, a1] = range(a);
  const [b0, b1] = range(b);
  return a0 <= b1 && b0 <= a1;
}
