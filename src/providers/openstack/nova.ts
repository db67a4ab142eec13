import { ServiceClient } from './service-client.js';

/**
 * 2.79 has server tags on create (2.52), server groups by `policy` (2.64) and everything else
 * kaas uses; every Nova since Train (2019) serves it.
 */
export const NOVA_MICROVERSION = '2.79';

export interface NovaServer {
  id: string;
  name: string;
  status: string;
  tags?: string[];
  metadata?: Record<string, string>;
  created?: string;
  fault?: { code: number; message: string };
  'OS-EXT-STS:task_state'?: string | null;
}

export interface NovaFlavor {
  id: string;
  name: string;
  vcpus: number;
  ram: number;
  disk: number;
}

export interface NovaServerGroup {
  id: string;
  name: string;
  policy?: string;
  members: string[];
}

export interface NovaServerCreate {
  name: string;
  flavorRef: string;
  imageRef: string;
  networks: { port: string }[];
  user_data: string;
  tags: string[];
  metadata: Record<string, string>;
  key_name?: string;
  schedulerHints?: { group: string };
}

export interface NovaLimits {
  maxTotalInstances: number;
  totalInstancesUsed: number;
  maxTotalCores: number;
  totalCoresUsed: number;
  maxTotalRAMSize: number;
  totalRAMUsed: number;
}

export class NovaClient extends ServiceClient {
  protected readonly service = 'compute' as const;
  protected override readonly headers = {
    'OpenStack-API-Version': `compute ${NOVA_MICROVERSION}`,
    'X-OpenStack-Nova-API-Version': NOVA_MICROVERSION,
  };

  async listServers(query: { tags?: string; name?: string }): Promise<NovaServer[]> {
    const params: Record<string, string> = {};
    if (query.tags) params.tags = query.tags;
    // Nova's name filter is a regular expression: anchor it to mean "exactly".
    if (query.name) params.name = `^${escapeRegExp(query.name)}$`;
    return (await this.get<{ servers: NovaServer[] }>('/servers/detail', params)).servers;
  }

  getServer(id: string): Promise<{ server: NovaServer } | undefined> {
    return this.find(`/servers/${id}`);
  }

  async createServer(request: NovaServerCreate): Promise<{ id: string }> {
    const { schedulerHints, ...server } = request;
    const body = await this.post<{ server: { id: string } }>('/servers', {
      server,
      ...(schedulerHints ? { 'os:scheduler_hints': schedulerHints } : {}),
    });
    return body.server;
  }

  deleteServer(id: string): Promise<void> {
    return this.remove(`/servers/${id}`);
  }

  async listFlavors(): Promise<NovaFlavor[]> {
    return (await this.get<{ flavors: NovaFlavor[] }>('/flavors/detail')).flavors;
  }

  async limits(): Promise<NovaLimits> {
    return (await this.get<{ limits: { absolute: NovaLimits } }>('/limits')).limits.absolute;
  }

  async listServerGroups(): Promise<NovaServerGroup[]> {
    return (await this.get<{ server_groups: NovaServerGroup[] }>('/os-server-groups'))
      .server_groups;
  }

  async createServerGroup(name: string, policy: string): Promise<NovaServerGroup> {
    return (
      await this.post<{ server_group: NovaServerGroup }>('/os-server-groups', {
        server_group: { name, policy },
      })
    ).server_group;
  }

  deleteServerGroup(id: string): Promise<void> {
    return this.remove(`/os-server-groups/${id}`);
  }
}

function escapeRegExp(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}
