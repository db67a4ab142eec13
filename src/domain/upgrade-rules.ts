import type { ClusterSpec, NodePoolSpec } from './cluster.js';
import type { FieldProblem } from './errors.js';
import { compareVersions, parseVersion } from './versions.js';

/**
 * How many minors a kubelet may lag behind its API server (the Kubernetes version skew
 * policy since 1.28).
 */
export const KUBELET_MAX_MINOR_SKEW = 3;

/** The version a pool's machines run: its own when pinned, else the control plane's. */
export function poolVersion(spec: ClusterSpec, pool: NodePoolSpec): string {
  return pool.version ?? spec.kubernetesVersion;
}

function minorOf(version: string): number | undefined {
  const parsed = parseVersion(version);
  return parsed ? parsed.major * 1000 + parsed.minor : undefined;
}

/** Minors from `older` up to `newer` (negative when `newer` is older). */
export function minorDistance(older: string, newer: string): number {
  const a = minorOf(older);
  const b = minorOf(newer);
  return a === undefined || b === undefined ? 0 : b - a;
}

/**
 * The rules of a version change, checked on resolved specs: the control plane never goes
 * back and moves one minor at a time; a pool never goes back, is never newer than the control
 * plane and stays within the kubelet skew policy.
 */
export function upgradeProblems(current: ClusterSpec, next: ClusterSpec): FieldProblem[] {
  const problems: FieldProblem[] = [];
  const from = current.kubernetesVersion;
  const to = next.kubernetesVersion;
  if (compareVersions(to, from) < 0) {
    problems.push({
      field: 'spec.kubernetesVersion',
      message: `cannot downgrade the control plane from ${from} to ${to}`,
    });
  } else if (minorDistance(from, to) > 1) {
    problems.push({
      field: 'spec.kubernetesVersion',
      message: `the control plane moves one minor version at a time: upgrade ${from} to ${nextMinor(from)} first`,
    });
  }
  next.nodePools.forEach((pool, i) => {
    const field = `spec.nodePools[${i}].version`;
    const wanted = poolVersion(next, pool);
    const before = current.nodePools.find((p) => p.name === pool.name);
    if (before && compareVersions(wanted, poolVersion(current, before)) < 0) {
      problems.push({
        field,
        message: `cannot downgrade pool ${pool.name} from ${poolVersion(current, before)} to ${wanted}`,
      });
      return;
    }
    if (minorDistance(wanted, to) > KUBELET_MAX_MINOR_SKEW) {
      problems.push({
        field,
        message: `pool ${pool.name} at ${wanted} would be more than ${KUBELET_MAX_MINOR_SKEW} minor versions behind the control plane (${to}); upgrade the pool first`,
      });
    }
  });
  return problems;
}

function nextMinor(version: string): string {
  const parsed = parseVersion(version);
  return parsed ? `${parsed.major}.${parsed.minor + 1}` : version;
}

/** True when the change moves any version: the Operation is an Upgrade. */
export function changesVersions(current: ClusterSpec, next: ClusterSpec): boolean {
  if (current.kubernetesVersion !== next.kubernetesVersion) return true;
  return next.nodePools.some((pool) => {
    const before = current.nodePools.find((p) => p.name === pool.name);
    return before !== undefined && poolVersion(current, before) !== poolVersion(next, pool);
  });
}
