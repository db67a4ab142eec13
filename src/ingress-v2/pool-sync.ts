import type { OctaviaPool, OctaviaStatusTree } from '../providers/openstack/octavia.js';
import type { DesiredMember, DesiredPool } from './ingress-model.js';
import type { LoadBalancerChanges } from './lb-changes.js';

/** A member as Octavia reports it, with the pod it stands for. */
export interface ObservedMember {
  pool: string;
  address: string;
  port: number;
  operatingStatus: string;
  pod?: { namespace: string; name: string };
}

const HEALTH = {
  delay: 10,
  timeout: 5,
  max_retries: 3,
  http_method: 'GET',
  expected_codes: '200-399',
};

/** Pools by name: created when missing; the ids of all desired pools come back. */
export async function ensurePools(
  changes: LoadBalancerChanges,
  desired: readonly DesiredPool[],
  observed: readonly OctaviaPool[],
): Promise<Map<string, OctaviaPool>> {
  const byName = new Map(observed.map((p) => [p.name, p]));
  const result = new Map<string, OctaviaPool>();
  for (const pool of desired) {
    let found = byName.get(pool.name);
    if (!found || found.protocol !== 'HTTP') {
      if (found)
        await changes.change(`delete pool ${pool.name}`, () =>
          changes.octavia.deletePool(found!.id),
        );
      found = await changes.change(`create pool ${pool.name}`, () =>
        changes.octavia.createPool({
          loadbalancer_id: changes.loadBalancerId,
          name: pool.name,
          protocol: 'HTTP',
          lb_algorithm: 'ROUND_ROBIN',
        }),
      );
    }
    result.set(pool.name, found);
  }
  return result;
}

/** One HTTP health monitor per pool, asking for the pool's health path. */
export async function ensureHealthMonitor(
  changes: LoadBalancerChanges,
  pool: OctaviaPool,
  desired: DesiredPool,
): Promise<void> {
  const { octavia } = changes;
  if (pool.healthmonitor_id) {
    const monitor = await octavia.getHealthMonitor(pool.healthmonitor_id);
    if (monitor?.type === 'HTTP' && monitor.url_path === desired.healthPath) return;
    if (monitor)
      await changes.change(`delete health monitor of ${desired.name}`, () =>
        octavia.deleteHealthMonitor(monitor.id),
      );
  }
  await changes.change(`create health monitor of ${desired.name}`, () =>
    octavia.createHealthMonitor({
      pool_id: pool.id,
      name: desired.name,
      type: 'HTTP',
      url_path: desired.healthPath,
      ...HEALTH,
    }),
  );
}

const memberId = (m: { address: string; port: number; name: string }) =>
  `${m.address}:${m.port} ${m.name}`;

/**
 * Makes the pool's members exactly the desired ones, in one batch change when they differ,
 * and answers the members with their operating status as Octavia reports them now.
 */
export async function ensureMembers(
  changes: LoadBalancerChanges,
  pool: OctaviaPool,
  desired: DesiredPool,
  memberSubnetId: string | undefined,
): Promise<ObservedMember[]> {
  const { octavia } = changes;
  let observed = await octavia.listMembers(pool.id);
  const have = new Set(
    observed.map((m) => memberId({ address: m.address, port: m.protocol_port, name: m.name })),
  );
  const want = new Set(desired.members.map(memberId));
  const added = [...want].filter((id) => !have.has(id));
  const removed = [...have].filter((id) => !want.has(id));
  if (added.length > 0 || removed.length > 0) {
    const what = [...added.map((id) => `+${id}`), ...removed.map((id) => `-${id}`)].join(' ');
    await changes.change(`members of ${desired.name}: ${what}`, () =>
      octavia.replaceMembers(
        pool.id,
        desired.members.map((m) => ({
          address: m.address,
          protocol_port: m.port,
          name: m.name,
          ...(memberSubnetId ? { subnet_id: memberSubnetId } : {}),
        })),
      ),
    );
    observed = await octavia.listMembers(pool.id);
  }
  const pods = new Map<string, DesiredMember>(
    desired.members.map((m) => [`${m.address}:${m.port}`, m]),
  );
  return observed.map((m) => {
    const pod = pods.get(`${m.address}:${m.protocol_port}`)?.pod;
    return {
      pool: desired.name,
      address: m.address,
      port: m.protocol_port,
      operatingStatus: m.operating_status,
      ...(pod ? { pod } : {}),
    };
  });
}

/** Pools no listener or policy uses any more; called after listeners and policies changed. */
export async function deleteUnwantedPools(
  changes: LoadBalancerChanges,
  desired: readonly DesiredPool[],
): Promise<void> {
  const wanted = new Set(desired.map((p) => p.name));
  for (const pool of await changes.octavia.listPools(changes.loadBalancerId)) {
    if (wanted.has(pool.name)) continue;
    await changes.change(`delete pool ${pool.name}`, () => changes.octavia.deletePool(pool.id));
  }
}

/**
 * The members of a load balancer from its status tree, with the pod each stands for read
 * from the member name (`<namespace>/<pod>`). Pools reached by several listeners appear once.
 */
export function membersFromStatus(tree: OctaviaStatusTree): ObservedMember[] {
  const seen = new Set<string>();
  const members: ObservedMember[] = [];
  for (const listener of tree.loadbalancer.listeners ?? [])
    for (const pool of listener.pools ?? []) {
      if (seen.has(pool.id)) continue;
      seen.add(pool.id);
      for (const m of pool.members ?? []) {
        const [namespace, name, extra] = m.name.split('/');
        members.push({
          pool: pool.name,
          address: m.address,
          port: m.protocol_port,
          operatingStatus: m.operating_status,
          ...(namespace && name && extra === undefined ? { pod: { namespace, name } } : {}),
        });
      }
    }
  return members;
}
