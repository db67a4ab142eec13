import type { TaggedResource } from '../infrastructure-provider.js';
import {
  deleteClusterApplicationCredentials,
  listClusterApplicationCredentials,
} from './application-credentials.js';
import type { OpenStackClients } from './clients.js';
import { OpenStackHttpError } from './http.js';
import type { InfraTarget } from './infrastructure.js';
import { clusterTag, ingressV2ClusterTag, Parts, resourceName } from './names.js';
import type { NeutronCollection, NeutronResource } from './neutron.js';

/** The Neutron resources kaas tags for a cluster, in the order they can be deleted. */
export const NEUTRON_TAGGED_COLLECTIONS = [
  'floatingips',
  'ports',
  'routers',
  'subnets',
  'networks',
  'security-groups',
] as const satisfies readonly NeutronCollection[];

/**
 * Everything tagged for the cluster (or named for it, in case a crash came between a create
 * and its tag), by kind. Server groups carry no tags: they are found by their name.
 */
export async function listClusterResources(
  clients: OpenStackClients,
  clusterId: string,
): Promise<TaggedResource[]> {
  const { nova, octavia } = clients;
  const tag = clusterTag(clusterId);
  const prefix = resourceName(clusterId, '');
  const found: TaggedResource[] = [];
  const add = (kind: string, items: { id: string; name?: string | null }[]) =>
    found.push(...items.map((i) => ({ kind, id: i.id, name: i.name || i.id })));
  add('server', await nova.listServers({ tags: tag }));
  add('loadbalancer', await octavia.listLoadBalancers({ tags: tag }));
  add('loadbalancer', await octavia.listLoadBalancers({ tags: ingressV2ClusterTag(clusterId) }));
  add(
    'floatingips',
    await clients.neutron.list('floatingips', { tags: ingressV2ClusterTag(clusterId) }),
  );
  for (const collection of NEUTRON_TAGGED_COLLECTIONS) {
    add(collection, await taggedOrNamed(clients, collection, clusterId));
  }
  add(
    'server-group',
    (await nova.listServerGroups()).filter((g) => g.name.startsWith(prefix)),
  );
  found.push(...(await listClusterApplicationCredentials(clients, clusterId)));
  return found;
}

async function taggedOrNamed(
  clients: OpenStackClients,
  collection: NeutronCollection,
  clusterId: string,
): Promise<NeutronResource[]> {
  const tagged = await clients.neutron.list(collection, { tags: clusterTag(clusterId) });
  const names: Partial<Record<NeutronCollection, string>> = {
    networks: resourceName(clusterId, Parts.network),
    subnets: resourceName(clusterId, Parts.subnet),
    routers: resourceName(clusterId, Parts.router),
  };
  const name = names[collection];
  const named = name ? await clients.neutron.list(collection, { name }) : [];
  const groups =
    collection === 'security-groups'
      ? [
          ...(await clients.neutron.list(collection, {
            name: resourceName(clusterId, Parts.controlPlaneGroup),
          })),
          ...(await clients.neutron.list(collection, {
            name: resourceName(clusterId, Parts.workerGroup),
          })),
        ]
      : [];
  const byId = new Map([...tagged, ...named, ...groups].map((r) => [r.id, r]));
  return [...byId.values()];
}

/** Neutron answers 409 while something still uses a resource: not gone yet, not an error. */
async function tolerateInUse(work: () => Promise<unknown>): Promise<boolean> {
  try {
    await work();
    return true;
  } catch (error) {
    if (error instanceof OpenStackHttpError && error.status === 409) return false;
    throw error;
  }
}

/**
 * Deletes in dependency order, one layer per pass: floating IPs and the load balancers
 * (cascade; the API server's and the Ingress v2 ones) first, then ports, router interfaces
 * and router, subnet and network, security groups, the server group and the cluster's
 * application credential. Gone only when nothing of the cluster is listed any more.
 */
export async function deleteInfrastructure(
  clients: OpenStackClients,
  target: Pick<InfraTarget, 'clusterId'>,
): Promise<{ gone: boolean; left: TaggedResource[] }> {
  const { neutron, octavia, nova } = clients;
  const { clusterId } = target;
  const ingressTag = ingressV2ClusterTag(clusterId);
  for (const fip of [
    ...(await taggedOrNamed(clients, 'floatingips', clusterId)),
    ...(await neutron.list('floatingips', { tags: ingressTag })),
  ])
    await neutron.delete('floatingips', fip.id);
  // The API server's load balancer, and those the cluster's Ingress v2 controller made.
  const lbs = [
    ...(await octavia.listLoadBalancers({ tags: clusterTag(clusterId) })),
    ...(await octavia.listLoadBalancers({ tags: ingressTag })),
  ];
  for (const lb of lbs.filter((l) => !l.provisioning_status.startsWith('PENDING_')))
    await octavia.deleteLoadBalancer(lb.id);
  if (lbs.length > 0) return { gone: false, left: await listClusterResources(clients, clusterId) };

  for (const port of await taggedOrNamed(clients, 'ports', clusterId))
    await neutron.delete('ports', port.id);
  const subnets = await taggedOrNamed(clients, 'subnets', clusterId);
  for (const router of await taggedOrNamed(clients, 'routers', clusterId)) {
    for (const subnet of subnets) await neutron.removeRouterInterface(router.id, subnet.id);
    await tolerateInUse(() => neutron.delete('routers', router.id));
  }
  for (const subnet of subnets) await tolerateInUse(() => neutron.delete('subnets', subnet.id));
  for (const network of await taggedOrNamed(clients, 'networks', clusterId))
    await tolerateInUse(() => neutron.delete('networks', network.id));
  for (const group of await taggedOrNamed(clients, 'security-groups', clusterId))
    await tolerateInUse(() => neutron.delete('security-groups', group.id));
  const prefix = resourceName(clusterId, '');
  for (const group of (await nova.listServerGroups()).filter((g) => g.name.startsWith(prefix)))
    await nova.deleteServerGroup(group.id);
  await deleteClusterApplicationCredentials(clients, clusterId);
  const left = await listClusterResources(clients, clusterId);
  return { gone: left.length === 0, left };
}
