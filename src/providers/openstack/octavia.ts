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
}

export interface OctaviaPool {
  id: string;
  name: string;
  healthmonitor_id: string | null;
  provisioning_status: string;
}

export interface OctaviaMember {
  id: string;
  name: string;
  address: string;
  protocol_port: number;
  operating_status: string;
  provisioning_status: string;
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
}
