import { TerminalError, TransientError } from '../../domain/errors.js';
import type { ClusterRef, MachineRequest, ProviderMachine } from '../infrastructure-provider.js';
import type { BootstrapToken } from '../../bootstrap/tokens.js';
import type { BootstrapMaterial } from './bootstrap-material.js';
import type { OpenStackClients } from './clients.js';
import { OpenStackReasons } from './errors.js';
import { imageForVersion } from './images.js';
import {
  findApiPool,
  findClusterNetwork,
  findLoadBalancer,
  parseCloudTime,
  type ClusterNetwork,
  type InfraTarget,
} from './infrastructure.js';
import { clusterTag, portName, ROLE_TAG } from './names.js';
import type { NeutronPort } from './neutron.js';
import type { NovaServer } from './nova.js';
import { renderMachineUserData } from './user-data.js';

/** A server still BUILD after this long is failed: the scheduler or the image is stuck. */
export const DEFAULT_BOOT_TIMEOUT_MS = 20 * 60_000;
const API_PORT = 6443;

export async function findServer(
  clients: OpenStackClients,
  clusterId: string,
  name: string,
): Promise<NovaServer | undefined> {
  const servers = await clients.nova.listServers({ name, tags: clusterTag(clusterId) });
  return servers.find((s) => s.name === name);
}

export async function listServers(
  clients: OpenStackClients,
  clusterId: string,
): Promise<NovaServer[]> {
  return clients.nova.listServers({ tags: clusterTag(clusterId) });
}

/** Nova's view of a server in the provider contract's words. */
export function toProviderMachine(server: NovaServer, bootTimeoutMs: number): ProviderMachine {
  const base = { name: server.name, providerId: server.id, nodeName: server.name };
  if (server['OS-EXT-STS:task_state'] === 'deleting') return { ...base, state: 'deleting' };
  switch (server.status) {
    case 'ACTIVE':
      return { ...base, state: 'running' };
    case 'BUILD': {
      const age = Date.now() - parseCloudTime(server.created);
      if (age > bootTimeoutMs)
        return {
          ...base,
          state: 'failed',
          failureReason: `the server did not become ACTIVE within ${Math.round(bootTimeoutMs / 60_000)} minutes`,
        };
      return { ...base, state: 'provisioning', readyInMs: 3_000 };
    }
    case 'ERROR':
      return {
        ...base,
        state: 'failed',
        failureReason: `Nova put the server in ERROR: ${server.fault?.message ?? 'no fault given'}`,
      };
    case 'DELETED':
    case 'SOFT_DELETED':
      return { ...base, state: 'deleting' };
    case 'SHUTOFF':
    case 'SUSPENDED':
    case 'PAUSED':
      return { ...base, state: 'failed', failureReason: `the server is ${server.status}` };
    default:
      // REBOOT, RESIZE, MIGRATING and the like: a running server in transition.
      return { ...base, state: 'running' };
  }
}

async function resolveFlavor(clients: OpenStackClients, nameOrId: string): Promise<string> {
  const flavors = await clients.nova.listFlavors();
  const flavor = flavors.find((f) => f.id === nameOrId) ?? flavors.find((f) => f.name === nameOrId);
  if (!flavor)
    throw new TerminalError(
      OpenStackReasons.FlavorNotFound,
      `no flavor "${nameOrId}" at the cloud; available: ${flavors.map((f) => f.name).join(', ')}`,
    );
  return flavor.id;
}

async function resolveImage(clients: OpenStackClients, nameOrId: string): Promise<string> {
  const image = await clients.glance.findImage(nameOrId);
  if (!image)
    throw new TerminalError(
      OpenStackReasons.ImageNotFound,
      `no active image "${nameOrId}" is visible to the cloud's project`,
    );
  return image.id;
}

/** The machine's port on the cluster network, in its role's security group. */
async function ensurePort(
  clients: OpenStackClients,
  clusterId: string,
  machine: MachineRequest,
  network: ClusterNetwork,
): Promise<NeutronPort> {
  const { neutron } = clients;
  const name = portName(machine.name);
  const tag = clusterTag(clusterId);
  const [found] = await neutron.list<NeutronPort>('ports', { name, network_id: network.networkId });
  if (found) {
    if (!found.tags?.includes(tag)) await neutron.setTags('ports', found.id, [tag]);
    return found;
  }
  return neutron.create<NeutronPort>(
    'ports',
    {
      name,
      network_id: network.networkId,
      fixed_ips: [{ subnet_id: network.subnetId }],
      security_groups: [network.groups[machine.role]],
      description: `kaas cluster ${clusterId}`,
    },
    [tag],
  );
}

/**
 * Where the API is reached: the floating IP if there is one, else the VIP; both go into the
 * API server's certificate so either verifies.
 */
export async function apiAddresses(
  clients: OpenStackClients,
  target: InfraTarget,
): Promise<{ endpoint: string; sans: string[] }> {
  const lb = await findLoadBalancer(clients, target.clusterId);
  if (!lb || lb.provisioning_status === 'ERROR')
    throw new TransientError('the API load balancer is not there yet', 'InfrastructureNotReady');
  const [fip] = target.spec.floatingIp
    ? await clients.neutron.list('floatingips', { port_id: lb.vip_port_id })
    : [];
  const floating = fip?.floating_ip_address as string | undefined;
  return {
    endpoint: `${floating ?? lb.vip_address}:${API_PORT}`,
    sans: [lb.vip_address, ...(floating ? [floating] : [])],
  };
}

/** Creates the server, or returns the one already there under the name and tag. */
export async function createServer(
  clients: OpenStackClients,
  target: InfraTarget & {
    cluster: ClusterRef;
    bootstrap: BootstrapMaterial;
    bootTimeoutMs: number;
    /** A token made in the running tenant cluster, for joins after init's token expired. */
    freshJoinToken?: () => Promise<BootstrapToken | undefined>;
  },
  machine: MachineRequest,
): Promise<ProviderMachine> {
  const existing = await findServer(clients, target.clusterId, machine.name);
  if (existing) return toProviderMachine(existing, target.bootTimeoutMs);
  const network = await findClusterNetwork(clients, target);
  if (!network)
    throw new TransientError('the cluster network is not there yet', 'InfrastructureNotReady');
  const [flavorRef, imageRef, api] = await Promise.all([
    resolveFlavor(clients, machine.flavor),
    resolveImage(clients, imageForVersion(target.spec.image, machine.version)),
    apiAddresses(clients, target),
  ]);
  const port = await ensurePort(clients, target.clusterId, machine, network);
  const { bootstrap } = target;
  const pki = await bootstrap.pki(target.clusterId);
  const init =
    machine.role === 'control-plane' &&
    (await bootstrap.initMachine(target.clusterId, machine.name)) === machine.name;
  const token =
    (!init && (await target.freshJoinToken?.())) || (await bootstrap.token(target.clusterId));
  const userData = renderMachineUserData(target.cluster, machine, {
    pki,
    token,
    endpoint: api.endpoint,
    certSANs: api.sans,
    init,
  });
  const created = await clients.nova.createServer({
    name: machine.name,
    flavorRef,
    imageRef,
    networks: [{ port: port.id }],
    user_data: Buffer.from(userData, 'utf8').toString('base64'),
    tags: [clusterTag(target.clusterId), ROLE_TAG[machine.role]],
    metadata: {
      'kaas-cluster-id': target.clusterId,
      'kaas-role': machine.role,
      ...(machine.pool ? { 'kaas-pool': machine.pool.name } : {}),
    },
    ...(target.spec.keyName ? { key_name: target.spec.keyName } : {}),
    ...(machine.role === 'control-plane'
      ? { schedulerHints: { group: network.serverGroupId } }
      : {}),
  });
  return {
    name: machine.name,
    providerId: created.id,
    nodeName: machine.name,
    state: 'provisioning',
    readyInMs: 3_000,
  };
}

/** A control-plane machine's port address in the API pool. */
export async function ensureApiMember(
  clients: OpenStackClients,
  target: InfraTarget,
  machineName: string,
): Promise<void> {
  const lb = await findLoadBalancer(clients, target.clusterId);
  const pool = lb && (await findApiPool(clients, target.clusterId, lb.id));
  if (!lb || !pool)
    throw new TransientError('the API pool is not there yet', 'InfrastructureNotReady');
  const members = await clients.octavia.listMembers(pool.id);
  if (members.some((m) => m.name === machineName)) return;
  const [port] = await clients.neutron.list<NeutronPort>('ports', { name: portName(machineName) });
  const address = port?.fixed_ips[0];
  if (!port || !address) return;
  if (lb.provisioning_status !== 'ACTIVE')
    throw new TransientError(
      `load balancer ${lb.name} is ${lb.provisioning_status}`,
      OpenStackReasons.Busy,
    );
  await clients.octavia.createMember(pool.id, {
    name: machineName,
    address: address.ip_address,
    subnet_id: address.subnet_id,
    protocol_port: API_PORT,
    tags: [clusterTag(target.clusterId)],
  });
}

async function removeApiMember(
  clients: OpenStackClients,
  clusterId: string,
  machineName: string,
): Promise<void> {
  const lb = await findLoadBalancer(clients, clusterId);
  const pool = lb && (await findApiPool(clients, clusterId, lb.id));
  if (!lb || !pool) return;
  const member = (await clients.octavia.listMembers(pool.id)).find((m) => m.name === machineName);
  if (!member) return;
  if (lb.provisioning_status !== 'ACTIVE')
    throw new TransientError(
      `load balancer ${lb.name} is ${lb.provisioning_status}`,
      OpenStackReasons.Busy,
    );
  await clients.octavia.deleteMember(pool.id, member.id);
}

/** Pool member, server, then the port kaas made for it; each step idempotent. */
export async function deleteServer(
  clients: OpenStackClients,
  clusterId: string,
  machineName: string,
): Promise<void> {
  const server = await findServer(clients, clusterId, machineName);
  if (!server || server.tags?.includes(ROLE_TAG['control-plane']))
    await removeApiMember(clients, clusterId, machineName);
  if (server) await clients.nova.deleteServer(server.id);
  const tag = clusterTag(clusterId);
  const ports = await clients.neutron.list('ports', { name: portName(machineName) });
  for (const port of ports.filter((p) => p.tags?.includes(tag)))
    await clients.neutron.delete('ports', port.id);
}
