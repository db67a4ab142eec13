import { ServiceClient } from './service-client.js';

export interface OctaviaLoadBalancer {
  id: string;
  name: string;
  provisioning_status: string;
  operating_status: string;
  vip_address: string;
  vip_port_id: string;
  created_at?: string;
  updated_at?: string | null;
  tags?: string[];
  listeners?: { id: string }[];
  pools?: { id: string }[];
}

export interface OctaviaListener {
  id: string;
  name: string;
  default_pool_id: string | null;
  provisioning_status: string;
  protocol?: string;
  protocol_port?: number;
  default_tls_container_ref?: string | null;
  sni_container_refs?: string[];
  l7policies?: { id: string }[];
}

export interface OctaviaPool {
  id: string;
  name: string;
  healthmonitor_id: string | null;
  provisioning_status: string;
  protocol?: string;
}

export interface OctaviaHealthMonitor {
  id: string;
  pool_id?: string;
  pools?: { id: string }[];
  type: string;
  url_path?: string;
}

export interface OctaviaL7Policy {
  id: string;
  name: string;
  listener_id: string;
  action: string;
  redirect_pool_id: string | null;
  position: number;
  rules: { id: string }[];
}

export interface OctaviaL7Rule {
  id: string;
  type: string;
  compare_type: string;
  value: string;
  invert: boolean;
}

export interface OctaviaMember {
  id: string;
  name: string;
  address: string;
  protocol_port: number;
  operating_status: string;
  provisioning_status: string;
}

/** The status tree of one load balancer: one call for every member's operating status. */
export interface OctaviaStatusTree {
  loadbalancer: {
    id: string;
    provisioning_status: string;
    operating_status: string;
    listeners?: {
      id: string;
      name: string;
      pools?: {
        id: string;
        name: string;
        members?: {
          id: string;
          name: string;
          address: string;
          protocol_port: number;
          operating_status: string;
        }[];
      }[];
    }[];
  };
}

export class OctaviaClient extends ServiceClient {
  protected readonly service = 'load-balancer' as const;
  protected override readonly prefix = '/v2/lbaas';

  async listLoadBalancers(filters: Record<string, string>): Promise<OctaviaLoadBalancer[]> {
    return (await this.get<{ loadbalancers: OctaviaLoadBalancer[] }>('/loadbalancers', filters))
      .loadbalancers;
  }

  async getLoadBalancer(id: string): Promise<OctaviaLoadBalancer | undefined> {
    return (await this.find<{ loadbalancer: OctaviaLoadBalancer }>(`/loadbalancers/${id}`))
      ?.loadbalancer;
  }

  async createLoadBalancer(attributes: Record<string, unknown>): Promise<OctaviaLoadBalancer> {
    return (
      await this.post<{ loadbalancer: OctaviaLoadBalancer }>('/loadbalancers', {
        loadbalancer: attributes,
      })
    ).loadbalancer;
  }

  async loadBalancerStatus(id: string): Promise<OctaviaStatusTree | undefined> {
    return (await this.find<{ statuses: OctaviaStatusTree }>(`/loadbalancers/${id}/status`))
      ?.statuses;
  }

  /** Cascade: listeners, pools, members and health monitors go with it. */
  deleteLoadBalancer(id: string): Promise<void> {
    return this.remove(`/loadbalancers/${id}`, { cascade: 'true' });
  }

  async listListeners(loadbalancerId: string): Promise<OctaviaListener[]> {
    return (
      await this.get<{ listeners: OctaviaListener[] }>('/listeners', {
        loadbalancer_id: loadbalancerId,
      })
    ).listeners;
  }

  async createListener(attributes: Record<string, unknown>): Promise<OctaviaListener> {
    return (await this.post<{ listener: OctaviaListener }>('/listeners', { listener: attributes }))
      .listener;
  }

  async listPools(loadbalancerId: string): Promise<OctaviaPool[]> {
    return (await this.get<{ pools: OctaviaPool[] }>('/pools', { loadbalancer_id: loadbalancerId }))
      .pools;
  }

  async createPool(attributes: Record<string, unknown>): Promise<OctaviaPool> {
    return (await this.post<{ pool: OctaviaPool }>('/pools', { pool: attributes })).pool;
  }

  async createHealthMonitor(attributes: Record<string, unknown>): Promise<{ id: string }> {
    return (
      await this.post<{ healthmonitor: { id: string } }>('/healthmonitors', {
        healthmonitor: attributes,
      })
    ).healthmonitor;
  }

  async listMembers(poolId: string): Promise<OctaviaMember[]> {
    return (await this.get<{ members: OctaviaMember[] }>(`/pools/${poolId}/members`)).members;
  }

  async createMember(poolId: string, attributes: Record<string, unknown>): Promise<OctaviaMember> {
    return (
      await this.post<{ member: OctaviaMember }>(`/pools/${poolId}/members`, {
        member: attributes,
      })
    ).member;
  }

  deleteMember(poolId: string, memberId: string): Promise<void> {
    return this.remove(`/pools/${poolId}/members/${memberId}`);
  }

  /**
   * Replaces a pool's members in one change of the load balancer: members matched by address
   * and port are kept, missing ones created, the others deleted (Octavia's batch update).
   */
  replaceMembers(poolId: string, members: Record<string, unknown>[]): Promise<unknown> {
    return this.put(`/pools/${poolId}/members`, { members });
  }

  async updateListener(id: string, attributes: Record<string, unknown>): Promise<OctaviaListener> {
    return (
      await this.put<{ listener: OctaviaListener }>(`/listeners/${id}`, { listener: attributes })
    ).listener;
  }

  deleteListener(id: string): Promise<void> {
    return this.remove(`/listeners/${id}`);
  }

  deletePool(id: string): Promise<void> {
    return this.remove(`/pools/${id}`);
  }

  async getHealthMonitor(id: string): Promise<OctaviaHealthMonitor | undefined> {
    return (await this.find<{ healthmonitor: OctaviaHealthMonitor }>(`/healthmonitors/${id}`))
      ?.healthmonitor;
  }

  deleteHealthMonitor(id: string): Promise<void> {
    return this.remove(`/healthmonitors/${id}`);
  }

  async listL7Policies(listenerId: string): Promise<OctaviaL7Policy[]> {
    return (
      await this.get<{ l7policies: OctaviaL7Policy[] }>('/l7policies', { listener_id: listenerId })
    ).l7policies;
  }

  /** Rules go separately: Octavia 11 fails a policy create that carries them inline. */
  async createL7Policy(attributes: Record<string, unknown>): Promise<OctaviaL7Policy> {
    return (await this.post<{ l7policy: OctaviaL7Policy }>('/l7policies', { l7policy: attributes }))
      .l7policy;
  }

  async updateL7Policy(id: string, attributes: Record<string, unknown>): Promise<OctaviaL7Policy> {
    return (
      await this.put<{ l7policy: OctaviaL7Policy }>(`/l7policies/${id}`, { l7policy: attributes })
    ).l7policy;
  }

  deleteL7Policy(id: string): Promise<void> {
    return this.remove(`/l7policies/${id}`);
  }

  deleteL7Rule(policyId: string, ruleId: string): Promise<void> {
    return this.remove(`/l7policies/${policyId}/rules/${ruleId}`);
  }

  /** The project's quotas, -1 for unlimited (older Octavias spell some names without `_`). */
  async quota(projectId: string): Promise<Record<string, number | null>> {
    return (await this.get<{ quota: Record<string, number | null> }>(`/quotas/${projectId}`)).quota;
  }

  /** How many of a kind of object the project has, as its quota counts them. */
  async countOwned(
    collection: 'loadbalancers' | 'listeners' | 'pools' | 'healthmonitors' | 'members',
    projectId: string,
  ): Promise<number> {
    if (collection === 'members') {
      const { pools } = await this.get<{ pools: { members?: unknown[] }[] }>('/pools', {
        project_id: projectId,
      });
      return pools.reduce((n, p) => n + (p.members?.length ?? 0), 0);
    }
    const body = await this.get<Record<string, unknown[]>>(`/${collection}`, {
      project_id: projectId,
      fields: 'id',
    });
    return body[collection]?.length ?? 0;
  }

  async listL7Rules(policyId: string): Promise<OctaviaL7Rule[]> {
    return (await this.get<{ rules: OctaviaL7Rule[] }>(`/l7policies/${policyId}/rules`)).rules;
  }

  async createL7Rule(
    policyId: string,
    attributes: Record<string, unknown>,
  ): Promise<OctaviaL7Rule> {
    return (
      await this.post<{ rule: OctaviaL7Rule }>(`/l7policies/${policyId}/rules`, {
        rule: attributes,
      })
    ).rule;
  }
}
