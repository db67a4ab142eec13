import type { ProviderName } from '../domain/cluster.js';
import type { PlanInput } from '../domain/plan.js';
import type { ProviderRegistry } from './infrastructure-provider.js';

/** Providers whose control-plane machines run kubeadm with etcd stacked on them. */
const STACKED_ETCD: readonly ProviderName[] = ['openstack', 'kind'];

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
