import { TerminalError } from '../../domain/errors.js';
import type { OpenStackSpec } from '../../domain/cluster.js';
import type { InfrastructureState } from '../infrastructure-provider.js';
import type { OpenStackClients } from './clients.js';
import type { NeutronClient, NeutronCollection, NeutronResource } from './neutron.js';
import type { OctaviaLoadBalancer } from './octavia.js';
import { clusterTag, Parts, resourceName } from './names.js';
import { ensureRules } from './security-groups.js';

/** How long a load balancer may stay PENDING_* before the cluster fails with a reason. */
export const DEFAULT_LOAD_BALANCER_TIMEOUT_MS = 15 * 60_000;
/** Load balancers change in seconds: look again soon. */
const LB_POLL_MS = 2_000;
const API_PORT = 6443;

export interface InfraTarget {
  clusterId: string;
  spec: OpenStackSpec;
}

/** What machines need of the cluster's infrastructure. */
export interface ClusterNetwork {
  networkId: string;
  subnetId: string;
  groups: Record<'control-plane' | 'worker', string>;
  serverGroupId: string;
}

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/** A resource by deterministic name, tagged for the cluster: created, adopted, or tagged late. */
export async function ensureNamed(
  neutron: NeutronClient,
  collection: NeutronCollection,
  target: InfraTarget,
  part: string,
  attributes: Record<string, unknown>,
): Promise<NeutronResource> {
  const name = resourceName(target.clusterId, part);
  const tag = clusterTag(target.clusterId);
  const [found] = await neutron.list(collection, { name });
  if (found) {
    if (!found.tags?.includes(tag)) await neutron.setTags(collection, found.id, [tag]);
    return found;
  }
  return neutron.create(
    collection,
    { ...attributes, name, description: `kaas cluster ${target.clusterId}` },
    [tag],
  );
}

export async function externalNetwork(
  neutron: NeutronClient,
  nameOrId: string,
): Promise<NeutronResource> {
  const matches = await neutron.list('networks', {
    ...(UUID.test(nameOrId) ? { id: nameOrId } : { name: nameOrId }),
    'router:external': 'true',
  });
  if (matches.length !== 1) {
    throw new TerminalError(
      'ExternalNetworkNotFound',
      matches.length === 0
        ? `no external network "${nameOrId}" is visible to the cloud's project (openstack network list --external)`
        : `${matches.length} external networks are named "${nameOrId}": give its id`,
    );
  }
  return matches[0]!;
}

/** The cluster's network and subnet: an existing network named in the spec, or our own. */
export async function ensureNetwork(
  clients: OpenStackClients,
  target: InfraTarget,
  external: NeutronResource,
): Promise<{ networkId: string; subnetId: string }> {
  const { neutron } = clients;
  if (target.spec.network) {
    const network = await existingNetwork(neutron, target.spec.network);
    const subnets = await neutron.list('subnets', { network_id: network.id, ip_version: '4' });
    if (subnets.length === 0)
      throw new TerminalError(
        'NetworkHasNoSubnet',
        `network "${target.spec.network}" has no IPv4 subnet for the nodes`,
      );
    return { networkId: network.id, subnetId: subnets[0]!.id };
  }
  const network = await ensureNamed(neutron, 'networks', target, Parts.network, {
    admin_state_up: true,
  });
  const subnet = await ensureNamed(neutron, 'subnets', target, Parts.subnet, {
    network_id: network.id,
    ip_version: 4,
    cidr: target.spec.nodeCidr,
  });
  const router = await ensureNamed(neutron, 'routers', target, Parts.router, {
    external_gateway_info: { network_id: external.id },
  });
  const attached = async () =>
    (
      await neutron.list<NeutronResource & { fixed_ips: { subnet_id: string }[] }>('ports', {
        device_id: router.id,
        device_owner: 'network:router_interface',
      })
    ).some((p) => p.fixed_ips.some((ip) => ip.subnet_id === subnet.id));
  if (!(await attached())) {
    try {
      await neutron.addRouterInterface(router.id, subnet.id);
    } catch (error) {
      // The add is a PUT, sent again when its answer is lost; Neutron then refuses it with 400
      // ("already has a port on subnet") because the first one worked. Done is done.
      if (!(await attached())) throw error;
    }
  }
  return { networkId: network.id, subnetId: subnet.id };
}

async function existingNetwork(neutron: NeutronClient, nameOrId: string) {
  const matches = await neutron.list(
    'networks',
    UUID.test(nameOrId) ? { id: nameOrId } : { name: nameOrId },
  );
  if (matches.length !== 1)
    throw new TerminalError(
      'NetworkNotFound',
      matches.length === 0
        ? `no network "${nameOrId}" is visible to the cloud's project`
        : `${matches.length} networks are named "${nameOrId}": give its id`,
    );
  return matches[0]!;
}

/** Security groups and the control plane's anti-affinity server group. */
async function ensureGroups(
  clients: OpenStackClients,
  target: InfraTarget,
): Promise<Pick<ClusterNetwork, 'groups' | 'serverGroupId'>> {
  const { neutron, nova } = clients;
  const cp = await ensureNamed(neutron, 'security-groups', target, Parts.controlPlaneGroup, {});
  const worker = await ensureNamed(neutron, 'security-groups', target, Parts.workerGroup, {});
  const groups = { 'control-plane': cp.id, worker: worker.id };
  await ensureRules(neutron, cp, 'control-plane', groups);
  await ensureRules(neutron, worker, 'worker', groups);
  const name = resourceName(target.clusterId, Parts.serverGroup);
  const existing = (await nova.listServerGroups()).find((g) => g.name === name);
  const serverGroup = existing ?? (await nova.createServerGroup(name, 'anti-affinity'));
  return { groups, serverGroupId: serverGroup.id };
}

/** The cluster's network as it is, without creating anything; undefined until it exists. */
export async function findClusterNetwork(
  clients: OpenStackClients,
  target: InfraTarget,
): Promise<ClusterNetwork | undefined> {
  const { neutron, nova } = clients;
  const named = async (collection: NeutronCollection, part: string) =>
    (await neutron.list(collection, { name: resourceName(target.clusterId, part) }))[0];
  let networkId: string | undefined;
  let subnetId: string | undefined;
  if (target.spec.network) {
    const network = await existingNetwork(neutron, target.spec.network);
    networkId = network.id;
    subnetId = (await neutron.list('subnets', { network_id: network.id, ip_version: '4' }))[0]?.id;
  } else {
    networkId = (await named('networks', Parts.network))?.id;
    subnetId = (await named('subnets', Parts.subnet))?.id;
  }
  const cp = await named('security-groups', Parts.controlPlaneGroup);
  const worker = await named('security-groups', Parts.workerGroup);
  const groupName = resourceName(target.clusterId, Parts.serverGroup);
  const serverGroup = (await nova.listServerGroups()).find((g) => g.name === groupName);
  if (!networkId || !subnetId || !cp || !worker || !serverGroup) return undefined;
  return {
    networkId,
    subnetId,
    groups: { 'control-plane': cp.id, worker: worker.id },
    serverGroupId: serverGroup.id,
  };
}

export async function findLoadBalancer(
  clients: OpenStackClients,
  clusterId: string,
): Promise<OctaviaLoadBalancer | undefined> {
  const [lb] = await clients.octavia.listLoadBalancers({
    name: resourceName(clusterId, Parts.loadBalancer),
  });
  return lb;
}

/** Octavia writes UTC without a zone (`2026-11-29T05:00:00`); read it as UTC. */
export function parseCloudTime(stamp: string | null | undefined): number {
  if (!stamp) return Number.NaN;
  return Date.parse(/(Z|[+-]\d\d:?\d\d)$/i.test(stamp) ? stamp : `${stamp}Z`);
}

type Step = { ready: true } | { ready: false; message: string };

/**
 * The API load balancer, one step per pass: load balancer, TCP listener on 6443, pool, health
 * monitor. Octavia refuses changes while a load balancer is PENDING_*, so each creation is
 * followed by a wait for ACTIVE before the next.
 */
async function ensureLoadBalancer(
  clients: OpenStackClients,
  target: InfraTarget,
  subnetId: string,
  timeoutMs: number,
): Promise<{ lb: OctaviaLoadBalancer } | { lb?: undefined; message: string }> {
  const { octavia } = clients;
  const name = resourceName(target.clusterId, Parts.loadBalancer);
  const lb =
    (await findLoadBalancer(clients, target.clusterId)) ??
    (await octavia.createLoadBalancer({
      name,
      vip_subnet_id: subnetId,
      description: `kaas cluster ${target.clusterId}: Kubernetes API`,
      tags: [clusterTag(target.clusterId)],
    }));
  const state = loadBalancerState(lb, timeoutMs);
  if (!state.ready) return { message: state.message };
  const step = await ensureListenerPoolMonitor(clients, target, lb);
  return step.ready ? { lb } : { message: step.message };
}

function loadBalancerState(lb: OctaviaLoadBalancer, timeoutMs: number): Step {
  const status = lb.provisioning_status;
  if (status === 'ACTIVE') return { ready: true };
  if (status === 'ERROR')
    throw new TerminalError(
      'LoadBalancerFailed',
      `Octavia put load balancer ${lb.name} (${lb.id}) in ERROR; delete the cluster, or ask the cloud's operators why`,
    );
  const since = parseCloudTime(lb.updated_at ?? lb.created_at);
  if (!Number.isNaN(since) && Date.now() - since > timeoutMs)
    throw new TerminalError(
      'LoadBalancerTimeout',
      `load balancer ${lb.name} has been ${status} for more than ${Math.round(timeoutMs / 60_000)} minutes`,
    );
  return { ready: false, message: `load balancer ${lb.name} is ${status}` };
}

async function ensureListenerPoolMonitor(
  clients: OpenStackClients,
  target: InfraTarget,
  lb: OctaviaLoadBalancer,
): Promise<Step> {
  const { octavia } = clients;
  const waiting = (what: string): Step => ({
    ready: false,
    message: `creating the ${what} of load balancer ${lb.name}`,
  });
  const listenerName = resourceName(target.clusterId, Parts.listener);
  const listener = (await octavia.listListeners(lb.id)).find((l) => l.name === listenerName);
  if (!listener) {
    await octavia.createListener({
      name: listenerName,
      loadbalancer_id: lb.id,
      protocol: 'TCP',
      protocol_port: API_PORT,
      tags: [clusterTag(target.clusterId)],
    });
    return waiting('listener');
  }
  const poolName = resourceName(target.clusterId, Parts.pool);
  const pool = (await octavia.listPools(lb.id)).find((p) => p.name === poolName);
  if (!pool) {
    await octavia.createPool({
      name: poolName,
      listener_id: listener.id,
      protocol: 'TCP',
      lb_algorithm: 'ROUND_ROBIN',
      tags: [clusterTag(target.clusterId)],
    });
    return waiting('pool');
  }
  if (!pool.healthmonitor_id) {
    await octavia.createHealthMonitor({
      name: resourceName(target.clusterId, Parts.healthMonitor),
      pool_id: pool.id,
      type: 'TCP',
      delay: 10,
      timeout: 5,
      max_retries: 3,
      tags: [clusterTag(target.clusterId)],
    });
    return waiting('health monitor');
  }
  return { ready: true };
}

/** The API pool, once the load balancer has one. */
export async function findApiPool(clients: OpenStackClients, clusterId: string, lbId: string) {
  const poolName = resourceName(clusterId, Parts.pool);
  return (await clients.octavia.listPools(lbId)).find((p) => p.name === poolName);
}

async function ensureApiFloatingIp(
  clients: OpenStackClients,
  target: InfraTarget,
  external: NeutronResource,
  lb: OctaviaLoadBalancer,
): Promise<string> {
  const { neutron } = clients;
  const tag = clusterTag(target.clusterId);
  const [existing] = await neutron.list('floatingips', { port_id: lb.vip_port_id });
  if (existing) {
    if (!existing.tags?.includes(tag)) await neutron.setTags('floatingips', existing.id, [tag]);
    return existing.floating_ip_address as string;
  }
  const created = await neutron.create(
    'floatingips',
    {
      floating_network_id: external.id,
      port_id: lb.vip_port_id,
      description: resourceName(target.clusterId, Parts.apiFloatingIp),
    },
    [tag],
  );
  return created.floating_ip_address as string;
}

/** Everything before machines; ready with the API endpoint once the load balancer serves 6443. */
export async function ensureInfrastructure(
  clients: OpenStackClients,
  target: InfraTarget,
  timeoutMs: number = DEFAULT_LOAD_BALANCER_TIMEOUT_MS,
): Promise<InfrastructureState> {
  const external = await externalNetwork(clients.neutron, target.spec.externalNetwork);
  const network = {
    ...(await ensureNetwork(clients, target, external)),
    ...(await ensureGroups(clients, target)),
  };
  const result = await ensureLoadBalancer(clients, target, network.subnetId, timeoutMs);
  if (!result.lb) return { ready: false, message: result.message, retryAfterMs: LB_POLL_MS };
  const host = target.spec.floatingIp
    ? await ensureApiFloatingIp(clients, target, external, result.lb)
    : result.lb.vip_address;
  return { ready: true, endpoint: `${host}:${API_PORT}` };
}
