import type { ProviderName } from '../domain/cluster.js';
import type { PlanInput } from '../domain/plan.js';
import type { ProviderRegistry } from './infrastructure-provider.js';

/**
 * Providers whose control-plane machines carry etcd (kubeadm's stacked etcd; the fake cloud
 * simulates it).
 */
const STACKED_ETCD: readonly ProviderName[] = ['openstack', 'kind', 'fake'];

/** What a plan needs to know of the provider that will carry it out. */
export function planCapabilities(
  providers: ProviderRegistry,
  name: ProviderName,
): Pick<PlanInput, 'controlPlaneProcesses' | 'stackedEtcd'> {
  return {
    controlPlaneProcesses: providers.get(name)?.ensureControlPlaneVersion !== undefined,
    stackedEtcd: STACKED_ETCD.includes(name),
  };
}
