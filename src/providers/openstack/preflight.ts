import { desiredMachineCount, type ClusterSpec, type OpenStackSpec } from '../../domain/cluster.js';
import { TerminalError, type FieldProblem } from '../../domain/errors.js';
import type { OpenStackClients } from './clients.js';
import { clusterTag } from './names.js';
import type { NovaFlavor } from './nova.js';

/**
 * What can be known before anything is made: flavors, image, external (and existing) network
 * exist, and the cloud project's quota holds the machines this spec adds.
 */
export async function preflightCloud(
  clients: OpenStackClients,
  spec: ClusterSpec & { openstack: OpenStackSpec },
  clusterId: string | undefined,
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
  const image = await imageProblem(clients, spec.openstack.image);
  if (image) problems.push({ field: 'spec.openstack.image', message: image });
  problems.push(...(await networkProblems(clients, spec.openstack)));
  if (problems.length > 0) return problems;
  const sized = wanted.map((w) => ({ ...w, size: byName(w.flavor)! }));
  return quotaProblems(clients, spec, sized, clusterId);
}

/** A problem with the image, or none. */
async function imageProblem(clients: OpenStackClients, image: string): Promise<string | undefined> {
  try {
    if (await clients.glance.findImage(image)) return undefined;
    return `no active image "${image}" is visible to the cloud's project`;
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

async function quotaProblems(
  clients: OpenStackClients,
  spec: ClusterSpec,
  wanted: { count: number; size: NovaFlavor }[],
  clusterId: string | undefined,
): Promise<FieldProblem[]> {
  const existing = clusterId ? await clients.nova.listServers({ tags: clusterTag(clusterId) }) : [];
  const ours = existing.map((s) => (s as { flavor?: { vcpus?: number; ram?: number } }).flavor);
  const instances = desiredMachineCount(spec) - existing.length;
  const cores =
    wanted.reduce((n, w) => n + w.count * w.size.vcpus, 0) -
    ours.reduce((n, f) => n + (f?.vcpus ?? 0), 0);
  const ram =
    wanted.reduce((n, w) => n + w.count * w.size.ram, 0) -
    ours.reduce((n, f) => n + (f?.ram ?? 0), 0);
  const limits = await clients.nova.limits();
  const problems: FieldProblem[] = [];
  const check = (what: string, need: number, max: number, used: number, unit = '') => {
    if (max >= 0 && need > 0 && used + need > max)
      problems.push({
        field: 'spec',
        message: `the cloud project's ${what} quota is exceeded: ${used}${unit} used of ${max}${unit}, this needs ${need}${unit} more`,
      });
  };
  check('instances', instances, limits.maxTotalInstances, limits.totalInstancesUsed);
  check('cores', cores, limits.maxTotalCores, limits.totalCoresUsed);
  check('RAM', ram, limits.maxTotalRAMSize, limits.totalRAMUsed, ' MiB');
  return problems;
}
