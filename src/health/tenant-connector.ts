import type { ClusterSpec } from '../domain/cluster.js';
import { endpointFromKubeconfig } from '../kube/kubeconfig-endpoint.js';
import type { EndpointSource } from '../kube/tenant-endpoint.js';
import type { ProviderRegistry } from '../providers/infrastructure-provider.js';

/** A cluster the health monitor may watch: live, not being deleted. */
export interface WatchableCluster {
  id: string;
  name: string;
  projectId: string;
  generation: number;
  spec: ClusterSpec;
}

/** Where a cluster's nodes are watched: its API server, and which of its nodes are its own. */
export interface TenantWatchTarget {
  endpoint: EndpointSource;
  labelSelector?: string;
}

/** The worker's connector, ProviderTenantConnector unless a benchmark brings its own. */
export const TENANT_CONNECTOR = Symbol('TenantConnector');

export interface TenantConnector {
  /** Undefined while the cluster has no API server to watch (yet, or at all). */
  connect(cluster: WatchableCluster): Promise<TenantWatchTarget | undefined>;
}

/** Reaches a tenant cluster through its provider's admin kubeconfig. */
export class ProviderTenantConnector implements TenantConnector {
  constructor(private readonly providers: ProviderRegistry) {}

  async connect(cluster: WatchableCluster): Promise<TenantWatchTarget | undefined> {
    const provider = this.providers.get(cluster.spec.provider);
    if (!provider) return undefined;
    const kubeconfig = await provider.adminKubeconfig(cluster);
    if (!kubeconfig) return undefined;
    return { endpoint: endpointFromKubeconfig(kubeconfig) };
  }
}
