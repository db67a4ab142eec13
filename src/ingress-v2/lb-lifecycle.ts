import type { NeutronClient } from '../providers/openstack/neutron.js';
import type { OctaviaClient, OctaviaLoadBalancer } from '../providers/openstack/octavia.js';
import { clusterTag, KEY_TAG_PREFIX, keyTag } from './ingress-model.js';
import {
  DEFAULT_TIMING,
  waitForLoadBalancer,
  waitForLoadBalancerGone,
  type ChangeTiming,
} from './lb-changes.js';
import { membersFromStatus, type ObservedMember } from './pool-sync.js';

export interface LifecycleSettings {
  clusterId: string;
  vipSubnetId: string;
  floatingNetworkId?: string;
  timing?: ChangeTiming;
}

/** Octavia names are at most 255 characters; keys are namespace/name or group:name. */
export function loadBalancerName(clusterId: string, key: string): string {
  return `kaas-ingress-${clusterId}-${key.replace(/[/:]/g, '-')}`.slice(0, 255);
}

const byCreation = (a: OctaviaLoadBalancer, b: OctaviaLoadBalancer) =>
  (a.created_at ?? '').localeCompare(b.created_at ?? '') || a.id.localeCompare(b.id);

/**
 * Creates, finds and deletes the load balancer of one Ingress (or group) by its tags, never by
 * a record of our own: what Octavia lists is the truth, so a controller that restarts, or a
 * second create whose answer was lost, is noticed and corrected.
 */
export class LoadBalancerLifecycle {
  private readonly timing: ChangeTiming;

  constructor(
    private readonly octavia: OctaviaClient,
    private readonly neutron: NeutronClient,
    private readonly settings: LifecycleSettings,
  ) {
    this.timing = settings.timing ?? DEFAULT_TIMING;
  }

  private tags(key: string): string[] {
    return [clusterTag(this.settings.clusterId), keyTag(key)];
  }

  /** Every load balancer tagged for this cluster, with the key it was made for. */
  async listOwned(): Promise<{ key: string; lb: OctaviaLoadBalancer }[]> {
    const owned = await this.octavia.listLoadBalancers({
      tags: clusterTag(this.settings.clusterId),
    });
    return owned.flatMap((lb) => {
      const tag = (lb.tags ?? []).find((t) => t.startsWith(KEY_TAG_PREFIX));
      return tag ? [{ key: tag.slice(KEY_TAG_PREFIX.length), lb }] : [];
    });
  }

  /**
   * The members of the key's load balancer with their operating status, in two reads; none
   * when it has no ACTIVE load balancer. How pods waiting on their gate are checked cheaply.
   */
  async memberStatus(key: string): Promise<ObservedMember[]> {
    const lb = (await this.find(key)).find((l) => l.provisioning_status === 'ACTIVE');
    const tree = lb && (await this.octavia.loadBalancerStatus(lb.id));
    return tree ? membersFromStatus(tree) : [];
  }

  private async find(key: string): Promise<OctaviaLoadBalancer[]> {
    return (await this.octavia.listLoadBalancers({ tags: this.tags(key).join(',') })).sort(
      byCreation,
    );
  }

  /**
   * The key's one ACTIVE load balancer, made when missing. Extra ones (a create retried after
   * a lost answer) and one in ERROR are deleted; a new one replaces the failed.
   */
  async ensure(key: string): Promise<OctaviaLoadBalancer> {
    const found = (await this.find(key)).filter((lb) => lb.provisioning_status !== 'DELETED');
    const usable = found.filter((lb) => lb.provisioning_status !== 'ERROR');
    for (const lb of found) if (lb !== usable[0]) await this.deleteOne(lb);
    const lb =
      usable[0] ??
      (await this.octavia.createLoadBalancer({
        name: loadBalancerName(this.settings.clusterId, key),
        description: `Ingress v2 load balancer for ${key}`,
        vip_subnet_id: this.settings.vipSubnetId,
        tags: this.tags(key),
      }));
    return waitForLoadBalancer(this.octavia, lb.id, this.timing);
  }

  /** The address clients use: the floating IP when a floating network is configured. */
  async ensureAddress(lb: OctaviaLoadBalancer, key: string): Promise<string> {
    const network = this.settings.floatingNetworkId;
    if (!network) return lb.vip_address;
    const [existing] = await this.neutron.list('floatingips', { port_id: lb.vip_port_id });
    if (existing) return String(existing.floating_ip_address);
    const created = await this.neutron.create(
      'floatingips',
      { floating_network_id: network, port_id: lb.vip_port_id },
      this.tags(key),
    );
    return String(created.floating_ip_address);
  }

  /** Deletes everything made for the key: floating IPs, then the load balancer with all inside. */
  async teardown(key: string): Promise<number> {
    const found = await this.find(key);
    for (const lb of found) await this.deleteOne(lb);
    await this.deleteFloatingIps(this.tags(key));
    return found.length;
  }

  private async deleteOne(lb: OctaviaLoadBalancer): Promise<void> {
    if (this.settings.floatingNetworkId && lb.vip_port_id) {
      for (const ip of await this.neutron.list('floatingips', { port_id: lb.vip_port_id }))
        await this.neutron.delete('floatingips', ip.id);
    }
    if (
      lb.provisioning_status.startsWith('PENDING_') &&
      lb.provisioning_status !== 'PENDING_DELETE'
    )
      await waitForLoadBalancer(this.octavia, lb.id, this.timing).catch((error: unknown) => {
        // ERROR is deletable; anything else surfaces.
        if (!(error instanceof Error && error.name === 'LoadBalancerFailedError')) throw error;
      });
    if (lb.provisioning_status !== 'PENDING_DELETE') await this.octavia.deleteLoadBalancer(lb.id);
    await waitForLoadBalancerGone(this.octavia, lb.id, this.timing);
  }

  private async deleteFloatingIps(tags: string[]): Promise<void> {
    if (!this.settings.floatingNetworkId) return;
    for (const ip of await this.neutron.list('floatingips', { tags: tags.join(',') }))
      await this.neutron.delete('floatingips', ip.id);
  }
}
