import { describe, expect, it } from '@jest/globals';
import type { ClusterSpec, OpenStackSpec } from '../../src/domain/cluster.js';
import { cloudNeeds, quotaShortfall } from '../../src/providers/openstack/quota.js';
import { rulesFor } from '../../src/providers/openstack/security-groups.js';
import { clusterSpec } from '../support/factories.js';

type OpenStackClusterSpec = ClusterSpec & { openstack: OpenStackSpec };

function openstackSpec(overrides: Record<string, unknown> = {}, openstack = {}) {
  return clusterSpec({
    provider: 'openstack',
    controlPlane: { replicas: 3, flavor: 'm1.small' },
    nodePools: [
      { name: 'a', replicas: 2, flavor: 'm1.small' },
      { name: 'b', replicas: 4, flavor: 'm1.large' },
    ],
    openstack: { cloud: 'prod', image: 'img', ...openstack },
    ...overrides,
  }) as OpenStackClusterSpec;
}

describe('what an OpenStack cluster takes of the Neutron and Octavia quotas', () => {
  it('counts a new cluster with its own network: network, router, groups, rules, ports, load balancer', () => {
    const rules = rulesFor('control-plane').length + rulesFor('worker').length;
    expect(rules).toBe(19);
    expect(cloudNeeds(openstackSpec())).toEqual({
      neutron: {
        network: 1,
        subnet: 1,
        router: 1,
        // 9 machines, the router's interface on the subnet, the load balancer's VIP
        port: 11,
        floatingip: 0,
        security_group: 2,
        // kaas's rules and two egress rules Neutron adds to each new group
        security_group_rule: rules + 4,
      },
      octavia: { load_balancer: 1, listener: 1, pool: 1, health_monitor: 1, member: 3 },
    });
  });

  it('makes no network, subnet, router or interface port in an existing network; counts the floating IP', () => {
    const needs = cloudNeeds(openstackSpec({}, { network: 'shared', floatingIp: true }));
    expect(needs.neutron).toMatchObject({
      network: 0,
      subnet: 0,
      router: 0,
      port: 10,
      floatingip: 1,
    });
  });

  it('counts only what a change adds: ports of new machines, members of new control-plane machines', () => {
    const needs = cloudNeeds(openstackSpec(), {
      servers: 6,
      controlPlaneServers: 1,
      floatingIp: false,
    });
    expect(needs).toEqual({
      neutron: {
        network: 0,
        subnet: 0,
        router: 0,
        port: 3,
        floatingip: 0,
        security_group: 0,
        security_group_rule: 0,
      },
      octavia: { load_balancer: 0, listener: 0, pool: 0, health_monitor: 0, member: 2 },
    });
  });

  it('needs nothing of a scale-in, and the floating IP only when a change turns it on', () => {
    const scaledIn = cloudNeeds(openstackSpec({}, { floatingIp: true }), {
      servers: 12,
      controlPlaneServers: 3,
      floatingIp: true,
    });
    expect(Object.values(scaledIn.neutron).every((n) => n === 0)).toBe(true);
    expect(Object.values(scaledIn.octavia).every((n) => n === 0)).toBe(true);
    const turnedOn = cloudNeeds(openstackSpec({}, { floatingIp: true }), {
      servers: 9,
      controlPlaneServers: 3,
      floatingIp: false,
    });
    expect(turnedOn.neutron.floatingip).toBe(1);
  });
});

describe('a quota shortfall', () => {
  it('names the resource, what is used, the limit and what is needed', () => {
    expect(quotaShortfall('Neutron ports', 5, { limit: 10, used: 7 })).toEqual({
      field: 'spec',
      message:
        "the cloud project's Neutron ports quota is exceeded: 7 used of 10, this needs 5 more",
    });
  });

  it('is none when it fits exactly, when nothing is needed, and when the quota is unlimited (-1)', () => {
    expect(quotaShortfall('ports', 3, { limit: 10, used: 7 })).toBeUndefined();
    expect(quotaShortfall('ports', 0, { limit: 0, used: 3 })).toBeUndefined();
    expect(quotaShortfall('ports', -2, { limit: 0, used: 3 })).toBeUndefined();
    expect(quotaShortfall('ports', 1000, { limit: -1, used: 7 })).toBeUndefined();
  });
});
