import { createAdminKubeconfig } from '../../bootstrap/kubeconfig.js';
import { parseBootstrapToken, type BootstrapToken } from '../../bootstrap/tokens.js';
import { TransientError } from '../../domain/errors.js';
import { TenantKubeClient } from '../../kube/tenant-client.js';
import type { DrainResult, TenantCluster, TenantNode } from '../infrastructure-provider.js';
import type { BootstrapMaterial } from './bootstrap-material.js';
import type { OpenStackClients } from './clients.js';
import { findApiPool, findLoadBalancer } from './infrastructure.js';
import { apiAddresses } from './machines.js';
import type { OpenStackSpec } from '../../domain/cluster.js';

/**
 * The tenant cluster seen through its API load balancer. Octavia's health monitor probes
 * every control-plane member on 6443, so a member ONLINE is the cloud's own evidence that an
 * API server serves: without one, kaas does not dial the endpoint at all (it may be an address
 * only reachable inside the cloud) and reports that no API server answers.
 */
export class OpenStackTenant implements TenantCluster {
  private client?: TenantKubeClient;

  constructor(
    private readonly clients: OpenStackClients,
    private readonly cluster: { id: string; name: string; openstack: OpenStackSpec },
    private readonly bootstrap: BootstrapMaterial,
  ) {}

  async listNodes(): Promise<TenantNode[] | null> {
    const kube = await this.connect();
    return kube ? kube.listNodes() : null;
  }

  async cordon(nodeName: string): Promise<void> {
    const kube = await this.connectOrExplain();
    if (kube) await kube.cordon(nodeName);
  }

  async drain(nodeName: string, options: { timeoutMs: number }): Promise<DrainResult> {
    const kube = await this.connectOrExplain();
    return kube ? kube.drain(nodeName, options) : { drained: true, blockedBy: [] };
  }

  async deleteNode(nodeName: string): Promise<void> {
    const kube = await this.connectOrExplain();
    if (kube) await kube.deleteNode(nodeName);
  }

  /**
   * Removes the node's etcd member through another control-plane node's etcd, reached with the
   * API server's exec. Nothing to do while no API server has ever served: no machine can have
   * joined etcd then beyond the first, which is never removed.
   */
  async removeEtcdMember(nodeName: string): Promise<void> {
    const kube = await this.connectOrExplain();
    if (kube) await kube.removeStackedEtcdMember(nodeName);
  }

  /**
   * A join token made now in the tenant cluster, for machines that join long after `kubeadm
   * init` created the first one (it expires after a day); undefined while no API serves, when
   * the token from init is all there can be.
   */
  async freshJoinToken(ttlSeconds: number): Promise<BootstrapToken | undefined> {
    const kube = await this.connect();
    if (!kube) return undefined;
    return parseBootstrapToken(await kube.createBootstrapToken(ttlSeconds, 'kaas: machine join'));
  }

  async close(): Promise<void> {
    await this.client?.close();
  }

  /**
   * Undefined when no API server has ever served: then no node can have registered or run a
   * pod, and there is nothing to cordon, drain or delete. An API server that served once and
   * is unreachable now is waited for.
   */
  private async connectOrExplain(): Promise<TenantKubeClient | undefined> {
    const kube = await this.connect();
    if (kube) return kube;
    if (await this.bootstrap.apiEverServed(this.cluster.id))
      throw new TransientError(
        'the tenant API server served before and does not answer now',
        'APIServerUnavailable',
      );
    return undefined;
  }

  private async connect(): Promise<TenantKubeClient | undefined> {
    if (this.client) return this.client;
    const lb = await findLoadBalancer(this.clients, this.cluster.id);
    const pool = lb && (await findApiPool(this.clients, this.cluster.id, lb.id));
    if (!lb || !pool) return undefined;
    const members = await this.clients.octavia.listMembers(pool.id);
    if (!members.some((m) => m.operating_status === 'ONLINE')) return undefined;
    await this.bootstrap.markApiServed(this.cluster.id);
    const pki = await this.bootstrap.pki(this.cluster.id);
    const { endpoint } = await apiAddresses(this.clients, {
      clusterId: this.cluster.id,
      spec: this.cluster.openstack,
    });
    const { kubeconfig } = await createAdminKubeconfig({
      clusterName: this.cluster.name,
      endpoint,
      ca: pki.ca,
      validityMs: 10 * 60_000,
    });
    this.client = await TenantKubeClient.fromKubeconfig(kubeconfig);
    return this.client;
  }
}
