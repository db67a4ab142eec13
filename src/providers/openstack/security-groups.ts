import type { NeutronClient, NeutronResource } from './neutron.js';

/** Which group a rule lets traffic in from: anywhere, or members of a cluster group. */
type Source = { anywhere: true } | { group: 'control-plane' | 'worker' };

interface RuleSpec {
  protocol: 'tcp' | 'udp';
  ports: [number, number];
  from: Source;
  why: string;
}

const NODES: Source[] = [{ group: 'control-plane' }, { group: 'worker' }];

/**
 * Only what Kubernetes needs. Egress stays Neutron's default (all). The API is open because
 * clients reach it through the load balancer, whose amphora sources the traffic.
 */
const CONTROL_PLANE_RULES: RuleSpec[] = [
  { protocol: 'tcp', ports: [6443, 6443], from: { anywhere: true }, why: 'kube-apiserver' },
  { protocol: 'tcp', ports: [2379, 2380], from: { group: 'control-plane' }, why: 'etcd peers' },
  ...NODES.map((from): RuleSpec => ({
    protocol: 'tcp',
    ports: [10250, 10250],
    from,
    why: 'kubelet',
  })),
  ...overlay(),
];

const WORKER_RULES: RuleSpec[] = [
  { protocol: 'tcp', ports: [10250, 10250], from: { group: 'control-plane' }, why: 'kubelet' },
  { protocol: 'tcp', ports: [30000, 32767], from: { anywhere: true }, why: 'NodePort services' },
  { protocol: 'udp', ports: [30000, 32767], from: { anywhere: true }, why: 'NodePort services' },
  ...overlay(),
];

/** Pod network between nodes: VXLAN (Calico, Cilium, Flannel) and BGP (Calico). */
function overlay(): RuleSpec[] {
  return NODES.flatMap((from): RuleSpec[] => [
    { protocol: 'udp', ports: [4789, 4789], from, why: 'VXLAN' },
    { protocol: 'udp', ports: [8472, 8472], from, why: 'Flannel/Cilium VXLAN' },
    { protocol: 'tcp', ports: [179, 179], from, why: 'BGP' },
  ]);
}

export function rulesFor(role: 'control-plane' | 'worker'): readonly RuleSpec[] {
  return role === 'control-plane' ? CONTROL_PLANE_RULES : WORKER_RULES;
}

interface NeutronRule {
  direction: string;
  ethertype: string;
  protocol: string | null;
  port_range_min: number | null;
  port_range_max: number | null;
  remote_group_id: string | null;
  remote_ip_prefix: string | null;
}

/**
 * Adds the rules a group lacks; rules already there (a pass that died half-way) are kept.
 * Returns how many were added.
 */
export async function ensureRules(
  neutron: NeutronClient,
  group: NeutronResource,
  role: 'control-plane' | 'worker',
  groupIds: Record<'control-plane' | 'worker', string>,
): Promise<number> {
  const existing = ((group.security_group_rules ?? []) as NeutronRule[]).map(ruleKey);
  let added = 0;
  for (const rule of rulesFor(role)) {
    const attributes = {
      security_group_id: group.id,
      direction: 'ingress',
      ethertype: 'IPv4',
      protocol: rule.protocol,
      port_range_min: rule.ports[0],
      port_range_max: rule.ports[1],
      ...('group' in rule.from
        ? { remote_group_id: groupIds[rule.from.group] }
        : { remote_ip_prefix: '0.0.0.0/0' }),
      description: `kaas: ${rule.why}`,
    };
    if (existing.includes(ruleKey(attributes as unknown as NeutronRule))) continue;
    await neutron.createSecurityGroupRule(attributes);
    added++;
  }
  return added;
}

function ruleKey(rule: Partial<NeutronRule>): string {
  return [
    rule.direction,
    rule.ethertype,
    rule.protocol ?? '',
    rule.port_range_min ?? '',
    rule.port_range_max ?? '',
    rule.remote_group_id ?? '',
    rule.remote_ip_prefix ?? '',
  ].join('|');
}
