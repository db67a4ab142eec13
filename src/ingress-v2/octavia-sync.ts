import type { DesiredListener, DesiredLoadBalancer } from './ingress-model.js';
import type { LoadBalancerChanges } from './lb-changes.js';
import { ensureListeners, ensurePolicies, type ListenerCertificates } from './listener-sync.js';
import {
  deleteUnwantedPools,
  ensureHealthMonitor,
  ensureMembers,
  ensurePools,
  type ObservedMember,
} from './pool-sync.js';

/**
 * Diff-applies the desired state to one ACTIVE load balancer, in an order where nothing still
 * in use is deleted: pools (with health monitors and members) first, then listeners, then L7
 * policies, and last the pools nothing refers to any more. Observes before every act, so it is
 * safe to run after any crash or missed event; on a converged load balancer it changes nothing.
 */
export async function syncLoadBalancer(
  changes: LoadBalancerChanges,
  desired: DesiredLoadBalancer,
  certificates: (listener: DesiredListener) => ListenerCertificates | undefined,
  memberSubnetId?: string,
): Promise<ObservedMember[]> {
  const { octavia, loadBalancerId } = changes;
  const pools = await ensurePools(changes, desired.pools, await octavia.listPools(loadBalancerId));
  const members: ObservedMember[] = [];
  for (const pool of desired.pools) {
    const observed = pools.get(pool.name)!;
    await ensureHealthMonitor(changes, observed, pool);
    members.push(...(await ensureMembers(changes, observed, pool, memberSubnetId)));
  }
  const listeners = await ensureListeners(changes, desired.listeners, pools, certificates);
  for (const listener of desired.listeners) {
    const observed = listeners.get(listener.name);
    if (observed) await ensurePolicies(changes, observed, listener.policies, pools);
  }
  await deleteUnwantedPools(changes, desired.pools);
  return members;
}
