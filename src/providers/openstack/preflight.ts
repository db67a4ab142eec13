import { desiredMachineCount, type ClusterSpec, type OpenStackSpec } from '../../domain/cluster.js';
import { TerminalError, type FieldProblem } from '../../domain/errors.js';
import { poolVersion } from '../../domain/upgrade-rules.js';
import type { OpenStackClients } from './clients.js';
import type { GlanceImage } from './glance.js';
import { OpenStackHttpError } from './http.js';
import { imageForVersion, imageVersionMismatch } from './images.js';
import { clusterTag, ROLE_TAG } from './names.js';
import type { NovaFlavor, NovaServer } from './nova.js';
import {
  cloudNeeds,
  NEUTRON_QUOTAS,
  OCTAVIA_QUOTAS,
  quotaShortfall,
  type CloudNeeds,
  type ClusterFootprint,
  type OctaviaQuotaName,
} from './quota.js';

type OpenStackClusterSpec = ClusterSpec & { openstack: OpenStackSpec };

/** On a change: the cluster and the spec in force. */
export interface PreflightChange {
  clusterId: string;
  current?: ClusterSpec;
}

/**
 * What can be known before anything is made: flavors, the image of every version the spec
 * runs, external (and existing) network exist, and the cloud project's Nova, Neutron and
 * Octavia quotas hold what this spec adds.
 */
export async function preflightCloud(
  clients: OpenStackClients,
  spec: OpenStackClusterSpec,
  change: PreflightChange | undefined,
): Promise<FieldProblem[]> {
  const problems: FieldProblem[] = [];
  const flavors = await clients.nova.listFlavors();
  const byName = (name: string) => flavors.find((f) => f.id === name || f.name === name);
  const wanted: { field: string; flavor: string; count: number }[] = [
    {
      field: 'spec.controlPlane.flavor',
      flavor: spec.controlPlane.flavor,
      count: spec.controlPlane.replicas,
    },
    ...spec.nodePools.map((p, i) => ({
      field: `spec.nodePools[${i}].flavor`,
      flavor: p.flavor,
      count: p.replicas,
    })),
  ];
  for (const w of wanted.filter((w) => !byName(w.flavor)))
    problems.push({
      field: w.field,
      message: `the cloud has no flavor "${w.flavor}"; available: ${flavors.map((f) => f.name).join(', ')}`,
    });
  problems.push(...(await imageProblems(clients, spec)));
  problems.push(...(await networkProblems(clients, spec.openstack)));
  if (problems.length > 0) return problems;
  const sized = wanted.map((w) => ({ ...w, size: byName(w.flavor)! }));
  const existing = change
    ? await clients.nova.listServers({ tags: clusterTag(change.clusterId) })
    : [];
  const footprint: ClusterFootprint | undefined = change && {
    servers: existing.length,
    controlPlaneServers: existing.filter((s) => s.tags?.includes(ROLE_TAG['control-plane'])).length,
    floatingIp: change.current?.openstack?.floatingIp ?? false,
  };
  const needs = cloudNeeds(spec, footprint);
  const projectId = await clients.session.projectId();
  return [
    ...(await novaProblems(clients, spec, sized, existing)),
    ...(await neutronProblems(clients, projectId, needs)),
    ...(await octaviaProblems(clients, projectId, needs)),
  ];
}

/** Every Kubernetes version the spec's machines run: the control plane's, then each pool's. */
function machineVersions(spec: ClusterSpec): string[] {
  return [...new Set([spec.kubernetesVersion, ...spec.nodePools.map((p) => poolVersion(spec, p))])];
}

/**
 * The image of each version must be there and, when it says which Kubernetes it carries, be
 * for that version's minor. Each problem is said once.
 */
async function imageProblems(
  clients: OpenStackClients,
  spec: OpenStackClusterSpec,
): Promise<FieldProblem[]> {
  const template = spec.openstack.image;
  const found = new Map<string, Promise<GlanceImage | string | undefined>>();
  const messages = new Set<string>();
  for (const version of machineVersions(spec)) {
    const name = imageForVersion(template, version);
    if (!found.has(name)) found.set(name, lookUpImage(clients, name));
    const image = await found.get(name);
    if (typeof image === 'string') messages.add(image);
    else if (!image)
      messages.add(
        `no active image "${name}" is visible to the cloud's project` +
          (name === template
            ? ''
            : ` (spec.openstack.image "${template}" for Kubernetes ${version})`),
      );
    else {
      const mismatch = imageVersionMismatch(image, version);
      if (mismatch) messages.add(mismatch);
    }
  }
  return [...messages].map((message) => ({ field: 'spec.openstack.image', message }));
}

/** The image, none, or why it cannot be told apart from others. */
async function lookUpImage(
  clients: OpenStackClients,
  image: string,
): Promise<GlanceImage | string | undefined> {
  try {
    return await clients.glance.findImage(image);
  } catch (error) {
    if (error instanceof TerminalError) return error.message;
    throw error;
  }
}

async function networkProblems(
  clients: OpenStackClients,
  spec: OpenStackSpec,
): Promise<FieldProblem[]> {
  const problems: FieldProblem[] = [];
  const externals = await clients.neutron.list('networks', { 'router:external': 'true' });
  if (!externals.some((n) => n.id === spec.externalNetwork || n.name === spec.externalNetwork))
    problems.push({
      field: 'spec.openstack.externalNetwork',
      message: `no external network "${spec.externalNetwork}"; available: ${externals.map((n) => n.name).join(', ') || 'none'}`,
    });
  if (spec.network) {
    const all = await clients.neutron.list('networks');
    if (!all.some((n) => n.id === spec.network || n.name === spec.network))
      problems.push({
        field: 'spec.openstack.network',
        message: `no network "${spec.network}" is visible to the cloud's project`,
      });
  }
  return problems;
}

async function novaProblems(
  clients: OpenStackClients,
  spec: ClusterSpec,
  wanted: { count: number; size: NovaFlavor }[],
  existing: NovaServer[],
): Promise<FieldProblem[]> {
  const ours = existing.map((s) => (s as { flavor?: { vcpus?: number; ram?: number } }).flavor);
  const instances = desiredMachineCount(spec) - existing.length;
  const cores =
    wanted.reduce((n, w) => n + w.count * w.size.vcpus, 0) -
    ours.reduce((n, f) => n + (f?.vcpus ?? 0), 0);
  const ram =
    wanted.reduce((n, w) => n + w.count * w.size.ram, 0) -
    ours.reduce((n, f) => n + (f?.ram ?? 0), 0);
  const limits = await clients.nova.limits();
  return [
    quotaShortfall('instances', instances, {
      limit: limits.maxTotalInstances,
      used: limits.totalInstancesUsed,
    }),
    quotaShortfall('cores', cores, { limit: limits.maxTotalCores, used: limits.totalCoresUsed }),
    quotaShortfall(
      'RAM',
      ram,
      { limit: limits.maxTotalRAMSize, used: limits.totalRAMUsed },
      ' MiB',
    ),
  ].filter((p) => p !== undefined);
}

/**
 * A quota API the cloud does not offer (no such extension or endpoint, or one its policy hides
 * from the project) leaves that service unchecked: the reconcile meets its quota if it must.
 */
async function unlessNotOffered<T>(read: () => Promise<T>): Promise<T | undefined> {
  try {
    return await read();
  } catch (error) {
    if (error instanceof OpenStackHttpError && [403, 404, 501].includes(error.status))
      return undefined;
    throw error;
  }
}

/** Neutron's quota details count what is used and what is reserved by requests in flight. */
async function neutronProblems(
  clients: OpenStackClients,
  projectId: string,
  needs: CloudNeeds,
): Promise<FieldProblem[]> {
  if (Object.values(needs.neutron).every((n) => n <= 0)) return [];
  const details = await unlessNotOffered(() => clients.neutron.quotaDetails(projectId));
  if (!details) return [];
  return Object.entries(NEUTRON_QUOTAS).flatMap(([name, what]) => {
    const detail = details[name];
    if (!detail) return [];
    const used = detail.used + (detail.reserved ?? 0);
    const problem = quotaShortfall(
      `Neutron ${what}`,
      needs.neutron[name as keyof typeof NEUTRON_QUOTAS],
      {
        limit: detail.limit,
        used,
      },
    );
    return problem ? [problem] : [];
  });
}

const OCTAVIA_COLLECTIONS = {
  load_balancer: 'loadbalancers',
  listener: 'listeners',
  pool: 'pools',
  health_monitor: 'healthmonitors',
  member: 'members',
} as const;

/** Older Octavias name two quotas without the underscore. */
const OCTAVIA_ALIASES: Partial<Record<OctaviaQuotaName, string>> = {
  load_balancer: 'loadbalancer',
  health_monitor: 'healthmonitor',
};

/**
 * Octavia's quota API gives limits only: what the project uses is counted from its objects,
 * and only for a quota that is limited and that this spec needs more of.
 */
async function octaviaProblems(
  clients: OpenStackClients,
  projectId: string,
  needs: CloudNeeds,
): Promise<FieldProblem[]> {
  if (Object.values(needs.octavia).every((n) => n <= 0)) return [];
  const quota = await unlessNotOffered(() => clients.octavia.quota(projectId));
  if (!quota) return [];
  const problems: FieldProblem[] = [];
  for (const [key, what] of Object.entries(OCTAVIA_QUOTAS)) {
    const name = key as OctaviaQuotaName;
    const limit = quota[name] ?? quota[OCTAVIA_ALIASES[name] ?? name];
    const need = needs.octavia[name];
    if (typeof limit !== 'number' || limit < 0 || need <= 0) continue;
    const used = await clients.octavia.countOwned(OCTAVIA_COLLECTIONS[name], projectId);
    const problem = quotaShortfall(`Octavia ${what}`, need, { limit, used });
    if (problem) problems.push(problem);
  }
  return problems;
}
