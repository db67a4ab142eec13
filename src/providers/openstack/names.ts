/**
 * Deterministic names and the tag of everything kaas creates for a cluster: a resource is
 * found again by name and tag after a crash, and the tag alone finds whatever is left to delete.
 */
export function clusterTag(clusterId: string): string {
  return `kaas-cluster-${clusterId}`;
}

/**
 * The tag the Ingress v2 controller inside a tenant cluster puts on the load balancers and
 * floating IPs it makes (its KAAS_INGRESS_CLUSTER_ID is the cluster id): deleting the cluster
 * deletes those too, or their VIP ports would keep the cluster's subnet from going.
 */
export function ingressV2ClusterTag(clusterId: string): string {
  return `kaas-ingress-cluster=${clusterId}`;
}

export const ROLE_TAG = { 'control-plane': 'kaas-role-control-plane', worker: 'kaas-role-worker' };

export function resourceName(clusterId: string, part: string): string {
  return `kaas-${clusterId}-${part}`;
}

export const Parts = {
  network: 'network',
  subnet: 'subnet',
  router: 'router',
  controlPlaneGroup: 'control-plane',
  workerGroup: 'worker',
  serverGroup: 'control-plane',
  loadBalancer: 'api',
  listener: 'api-6443',
  pool: 'api-pool',
  healthMonitor: 'api-health',
  apiFloatingIp: 'api',
} as const;

/** Every machine's port is named after its server. */
export function portName(machineName: string): string {
  return `${machineName}-port`;
}
