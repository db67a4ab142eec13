import type { TaggedResource } from '../infrastructure-provider.js';
import { listClusterApplicationCredentials } from './application-credentials.js';
import type { OpenStackClients } from './clients.js';
import { deleteServer } from './machines.js';
import { deleteInfrastructure, NEUTRON_TAGGED_COLLECTIONS } from './teardown.js';

const TAG = /^kaas-cluster-([0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12})$/;

/**
 * Cluster ids found in the tags of servers, load balancers and Neutron resources, and in the
 * names of application credentials (named like the tag).
 */
export async function taggedClusterIds(clients: OpenStackClients): Promise<Set<string>> {
  const { nova, octavia, neutron } = clients;
  const tagged: { tags?: string[] }[] = [
    ...(await nova.listServers({})),
    ...(await octavia.listLoadBalancers({})),
  ];
  for (const collection of NEUTRON_TAGGED_COLLECTIONS) {
    tagged.push(...(await neutron.list(collection)));
  }
  const ids = new Set<string>();
  for (const credential of await listClusterApplicationCredentials(clients)) {
    const match = TAG.exec(credential.name);
    if (match) ids.add(match[1]!);
  }
  for (const resource of tagged) {
    for (const tag of resource.tags ?? []) {
      const match = TAG.exec(tag);
      if (match) ids.add(match[1]!);
    }
  }
  return ids;
}

/**
 * Deletes, for every cluster `isOrphan` confirms, its servers and then its infrastructure in
 * the usual order; what is still there is returned and taken up by the next sweep.
 */
export async function sweepCloud(
  clients: OpenStackClients,
  isOrphan: (clusterId: string) => Promise<boolean>,
): Promise<TaggedResource[]> {
  const left: TaggedResource[] = [];
  for (const clusterId of await taggedClusterIds(clients)) {
    if (!(await isOrphan(clusterId))) continue;
    const servers = await clients.nova.listServers({ tags: `kaas-cluster-${clusterId}` });
    for (const server of servers) await deleteServer(clients, clusterId, server.name);
    if (servers.length > 0) {
      left.push(...servers.map((s) => ({ kind: 'server', name: s.name, id: s.id })));
      continue;
    }
    left.push(...(await deleteInfrastructure(clients, { clusterId })).left);
  }
  return left;
}
