import { desiredMachineCount, type ClusterSpec, type OpenStackSpec } from '../../domain/cluster.js';
import type { FieldProblem } from '../../domain/errors.js';
import { rulesFor } from './security-groups.js';

/** Rules Neutron adds to every security group it creates: egress anywhere, IPv4 and IPv6. */
const DEFAULT_EGRESS_RULES = 2;

/** Neutron quota resources kaas consumes, as the quota API names them, and their words for people. */
export const NEUTRON_QUOTAS = {
  network: 'networks',
  subnet: 'subnets',
  router: 'routers',
  port: 'ports',
  floatingip: 'floating IPs',
  security_group: 'security groups',
  security_group_rule: 'security group rules',
} as const;
export type NeutronQuotaName = keyof typeof NEUTRON_QUOTAS;

/** Octavia quota resources kaas consumes, as the quota API names them. */
export const OCTAVIA_QUOTAS = {
  load_balancer: 'load balancers',
  listener: 'listeners',
  pool: 'pools',
  health_monitor: 'health monitors',
  member: 'members',
} as const;
export type OctaviaQuotaName = keyof typeof OCTAVIA_QUOTAS;

export interface CloudNeeds {
  neutron: Record<NeutronQuotaName, number>;
  octavia: Record<OctaviaQuotaName, number>;
}

/** What a cluster already holds at the cloud, on a change of its spec. */
export interface ClusterFootprint {
  /** Its servers, each with its own port. */
  servers: number;
  /** Its control-plane servers, each a member of the API pool. */
  controlPlaneServers: number;
  /** Whether the spec in force already has the API's floating IP. */
  floatingIp: boolean;
}

/**
 * What the spec takes of the project's Neutron and Octavia quotas beyond what the cluster
 * already holds. A new cluster (no footprint) gets, besides a port per machine: its network,
 * subnet, router and the router's interface port (unless it uses an existing network); two
 * security groups with kaas's rules and Neutron's default egress ones; the API load balancer
 * with its VIP port, a listener, a pool, a health monitor and a member per control-plane
 * machine; and the floating IP if asked. A change only adds machines (ports, members) and
 * perhaps the floating IP: the rest exists since the cluster was made.
 */
export function cloudNeeds(
  spec: ClusterSpec & { openstack: OpenStackSpec },
  existing?: ClusterFootprint,
): CloudNeeds {
  const machines = desiredMachineCount(spec);
  const controlPlanes = spec.controlPlane.replicas;
  const floatingIp = spec.openstack.floatingIp && !existing?.floatingIp ? 1 : 0;
  if (existing)
    return {
      neutron: {
        ...none(NEUTRON_QUOTAS),
        port: Math.max(0, machines - existing.servers),
        floatingip: floatingIp,
      },
      octavia: {
        ...none(OCTAVIA_QUOTAS),
        member: Math.max(0, controlPlanes - existing.controlPlaneServers),
      },
    };
  const ownNetwork = spec.openstack.network ? 0 : 1;
  return {
    neutron: {
      network: ownNetwork,
      subnet: ownNetwork,
      router: ownNetwork,
      // The router's interface on the subnet and the load balancer's VIP are ports too.
      port: machines + ownNetwork + 1,
      floatingip: floatingIp,
      security_group: 2,
      security_group_rule:
        rulesFor('control-plane').length + rulesFor('worker').length + 2 * DEFAULT_EGRESS_RULES,
    },
    octavia: { load_balancer: 1, listener: 1, pool: 1, health_monitor: 1, member: controlPlanes },
  };
}

function none<K extends string>(names: Record<K, string>): Record<K, number> {
  return Object.fromEntries(Object.keys(names).map((k) => [k, 0])) as Record<K, number>;
}

/** A quota as the cloud reports it: -1 is unlimited. */
export interface QuotaUsage {
  limit: number;
  used: number;
}

/** The problem when `need` more does not fit the quota, or none. */
export function quotaShortfall(
  what: string,
  need: number,
  quota: QuotaUsage,
  unit = '',
): FieldProblem | undefined {
  if (quota.limit < 0 || need <= 0 || quota.used + need <= quota.limit) return undefined;
  return {
    field: 'spec',
    message: `the cloud project's ${what} quota is exceeded: ${quota.used}${unit} used of ${quota.limit}${unit}, this needs ${need}${unit} more`,
  };
}
