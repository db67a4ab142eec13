import { OpenStackHttpError } from './http.js';
import { ServiceClient } from './service-client.js';

/** Neutron resource collections kaas creates, all tagged through the standard attribute tags. */
export type NeutronCollection =
  'networks' | 'subnets' | 'routers' | 'ports' | 'security-groups' | 'floatingips';

/** The JSON key of one resource of each collection. */
const SINGULAR: Record<NeutronCollection, string> = {
  networks: 'network',
  subnets: 'subnet',
  routers: 'router',
  ports: 'port',
  'security-groups': 'security_group',
  floatingips: 'floatingip',
};

/** The JSON key of a list of each collection. */
const PLURAL: Record<NeutronCollection, string> = {
  networks: 'networks',
  subnets: 'subnets',
  routers: 'routers',
  ports: 'ports',
  'security-groups': 'security_groups',
  floatingips: 'floatingips',
};

export interface NeutronResource {
  id: string;
  name?: string;
  status?: string;
  tags?: string[];
  [key: string]: unknown;
}

export interface NeutronPort extends NeutronResource {
  network_id: string;
  device_id: string;
  device_owner: string;
  fixed_ips: { subnet_id: string; ip_address: string }[];
}

export interface NeutronQuotaDetail {
  used: number;
  limit: number;
  reserved: number;
}

export class NeutronClient extends ServiceClient {
  protected readonly service = 'network' as const;
  protected override readonly prefix = '/v2.0';

  async list<T extends NeutronResource = NeutronResource>(
    collection: NeutronCollection,
    filters: Record<string, string> = {},
  ): Promise<T[]> {
    const body = await this.get<Record<string, T[]>>(`/${collection}`, filters);
    return body[PLURAL[collection]] ?? [];
  }

  async show<T extends NeutronResource = NeutronResource>(
    collection: NeutronCollection,
    id: string,
  ): Promise<T | undefined> {
    const body = await this.find<Record<string, T>>(`/${collection}/${id}`);
    return body?.[SINGULAR[collection]];
  }

  /**
   * Creates a resource, then tags it: Neutron (Zed) refuses `tags` in a POST. A crash between
   * the two leaves an untagged resource under its deterministic name, which callers find by
   * name and tag then.
   */
  async create<T extends NeutronResource = NeutronResource>(
    collection: NeutronCollection,
    attributes: Record<string, unknown>,
    tags: string[],
  ): Promise<T> {
    const body = await this.post<Record<string, T>>(`/${collection}`, {
      [SINGULAR[collection]]: attributes,
    });
    const created = body[SINGULAR[collection]]!;
    await this.setTags(collection, created.id, tags);
    return { ...created, tags };
  }

  /** Replaces the resource's tags. */
  async setTags(collection: NeutronCollection, id: string, tags: string[]): Promise<void> {
    await this.put(`/${collection}/${id}/tags`, { tags });
  }

  async update<T extends NeutronResource = NeutronResource>(
    collection: NeutronCollection,
    id: string,
    attributes: Record<string, unknown>,
  ): Promise<T> {
    const body = await this.put<Record<string, T>>(`/${collection}/${id}`, {
      [SINGULAR[collection]]: attributes,
    });
    return body[SINGULAR[collection]]!;
  }

  delete(collection: NeutronCollection, id: string): Promise<void> {
    return this.remove(`/${collection}/${id}`);
  }

  addRouterInterface(routerId: string, subnetId: string): Promise<unknown> {
    return this.put(`/routers/${routerId}/add_router_interface`, { subnet_id: subnetId });
  }

  async removeRouterInterface(routerId: string, subnetId: string): Promise<void> {
    try {
      await this.put(`/routers/${routerId}/remove_router_interface`, { subnet_id: subnetId });
    } catch (error) {
      // 404: the router or the interface is already gone, which is what was asked.
      if (error instanceof OpenStackHttpError && error.status === 404) return;
      throw error;
    }
  }

  createSecurityGroupRule(rule: Record<string, unknown>): Promise<unknown> {
    return this.post('/security-group-rules', { security_group_rule: rule });
  }

  async quotaDetails(projectId: string): Promise<Record<string, NeutronQuotaDetail>> {
    return (
      await this.get<{ quota: Record<string, NeutronQuotaDetail> }>(`/quotas/${projectId}/details`)
    ).quota;
  }
}
