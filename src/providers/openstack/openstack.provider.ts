import type { ClusterSpec } from '../../domain/cluster.js';
import { SUPPORTED_KUBERNETES_VERSIONS } from '../../domain/versions.js';
import { Logger } from '@nestjs/common';
import { TerminalError, TransientError, type FieldProblem } from '../../domain/errors.js';
import type {
  ClusterRef,
  InfrastructureProvider,
  InfrastructureState,
  MachineRequest,
  PreflightContext,
  ProviderMachine,
  TaggedResource,
  TenantCluster,
  ProviderVersion,
} from '../infrastructure-provider.js';
import { createAdminKubeconfig } from '../../bootstrap/kubeconfig.js';
import { ensureClusterApplicationCredential } from './application-credentials.js';
import type { BootstrapMaterial } from './bootstrap-material.js';
import type { CloudDirectory, RegisteredCloud } from './cloud-directory.js';
import { openstackClients, type OpenStackClients } from './clients.js';
import { mapped, OpenStackReasons, toReconcileError } from './errors.js';
import {
  DEFAULT_LOAD_BALANCER_TIMEOUT_MS,
  ensureInfrastructure,
  externalNetwork,
  findClusterNetwork,
  findLoadBalancer,
  type InfraTarget,
} from './infrastructure.js';
import { KeystoneSession, type SessionOptions } from './keystone.js';
import {
  apiAddresses,
  createServer,
  DEFAULT_BOOT_TIMEOUT_MS,
  deleteServer,
  ensureApiMember,
  findServer,
  listServers,
  toProviderMachine,
} from './machines.js';
import { minorOf, VERSION_PLACEHOLDER } from './images.js';
import { sweepCloud } from './orphans.js';
import { preflightCloud } from './preflight.js';
import { deleteInfrastructure, listClusterResources } from './teardown.js';
import { OpenStackTenant } from './tenant.js';

export interface OpenStackProviderOptions {
  clouds: CloudDirectory;
  bootstrap: BootstrapMaterial;
  session?: SessionOptions;
  bootTimeoutMs?: number;
  loadBalancerTimeoutMs?: number;
  /** How long running machines may go without their nodes registering before the Operation fails. */
  nodeJoinTimeoutMs?: number;
}

const logger = new Logger('openstack');

/** A join token made for one machine outlives its boot and kubeadm's retries, no more. */
const JOIN_TOKEN_TTL_SECONDS = 2 * 3600;

/** Nodes boot and run kubeadm in minutes; past this, something in the image or network is wrong. */
export const DEFAULT_NODE_JOIN_TIMEOUT_MS = 20 * 60_000;

/**
 * Clusters on OpenStack: a network with a router to the external network, security groups,
 * an Octavia load balancer for the API and Nova servers booted with kubeadm user data, all
 * named deterministically and tagged with the cluster id. Every call goes to the cloud the
 * cluster's spec names, with that cloud's credentials.
 */
export class OpenStackProvider implements InfrastructureProvider {
  readonly name = 'openstack' as const;
  readonly nodeJoinTimeoutMs: number;
  private readonly sessions = new Map<string, { revision: string; clients: OpenStackClients }>();

  constructor(private readonly options: OpenStackProviderOptions) {
    this.nodeJoinTimeoutMs = options.nodeJoinTimeoutMs ?? DEFAULT_NODE_JOIN_TIMEOUT_MS;
  }

  /**
   * Every supported version: what a machine runs comes from the Glance image spec.openstack.image
   * names for the machine's version (kubeadm, kubelet and a runtime baked in), which preflight
   * looks up for each version the spec runs.
   */
  kubernetesVersions(): ProviderVersion[] {
    return SUPPORTED_KUBERNETES_VERSIONS.map((version) => ({
      version,
      available: true,
      artefact:
        `the Glance image spec.openstack.image names, with ${VERSION_PLACEHOLDER} replaced by ${version}: ` +
        `kubeadm ${version} installed, and kube_version, if the image has that property, for ${minorOf(version)}`,
    }));
  }

  async preflight(spec: ClusterSpec, context?: PreflightContext): Promise<FieldProblem[]> {
    const openstack = spec.openstack;
    if (!openstack) return [];
    const cloud = await this.options.clouds.find(openstack.cloud);
    const granted =
      cloud && context && (await this.options.clouds.isGranted(cloud.id, context.projectId));
    if (!cloud || !granted)
      return [
        {
          field: 'spec.openstack.cloud',
          message: `no cloud "${openstack.cloud}" is granted to this project; ask a platform administrator`,
        },
      ];
    const clients = this.clientsFor(cloud);
    try {
      await clients.session.projectId();
      const change = context?.clusterId
        ? { clusterId: context.clusterId, ...(context.current ? { current: context.current } : {}) }
        : undefined;
      return await preflightCloud(clients, { ...spec, openstack }, change);
    } catch (error) {
      const mapped = toReconcileError(error);
      if (mapped instanceof TransientError) {
        // The cloud did not answer: not a fault of the request. The reconcile checks the same
        // things with retries, and fails the Operation with the reason if they do not hold.
        logger.warn(`cloud "${cloud.name}" could not be checked, accepting: ${mapped.message}`);
        return [];
      }
      return [
        {
          field: 'spec.openstack.cloud',
          message: `cloud "${cloud.name}" could not be checked: ${mapped instanceof Error ? mapped.message : String(mapped)}`,
        },
      ];
    }
  }

  async ensureClusterInfrastructure(cluster: ClusterRef): Promise<InfrastructureState> {
    const { clients, target } = await this.resolve(cluster);
    return mapped(() =>
      ensureInfrastructure(
        clients,
        target,
        this.options.loadBalancerTimeoutMs ?? DEFAULT_LOAD_BALANCER_TIMEOUT_MS,
      ),
    );
  }

  async deleteClusterInfrastructure(cluster: ClusterRef): Promise<{ gone: boolean }> {
    const { clients, target } = await this.resolve(cluster);
    const { gone } = await mapped(() => deleteInfrastructure(clients, target));
    if (gone) await this.options.bootstrap.forget(cluster.id);
    return { gone };
  }

  async createMachine(cluster: ClusterRef, machine: MachineRequest): Promise<ProviderMachine> {
    const { clients, target } = await this.resolve(cluster);
    return mapped(() =>
      createServer(
        clients,
        {
          ...target,
          cluster,
          bootstrap: this.options.bootstrap,
          bootTimeoutMs: this.bootTimeoutMs,
          freshJoinToken: () =>
            new OpenStackTenant(
              clients,
              { ...cluster, openstack: target.spec },
              this.options.bootstrap,
            ).freshJoinToken(JOIN_TOKEN_TTL_SECONDS),
        },
        machine,
      ),
    );
  }

  async getMachine(cluster: ClusterRef, name: string): Promise<ProviderMachine | undefined> {
    const { clients, target } = await this.resolve(cluster);
    return mapped(async () => {
      const server = await findServer(clients, cluster.id, name);
      if (!server) return undefined;
      const machine = toProviderMachine(server, this.bootTimeoutMs);
      if (machine.state === 'running' && server.tags?.includes('kaas-role-control-plane'))
        await ensureApiMember(clients, target, name);
      return machine;
    });
  }

  async listMachines(cluster: ClusterRef): Promise<ProviderMachine[]> {
    const { clients } = await this.resolve(cluster);
    return mapped(async () =>
      (await listServers(clients, cluster.id)).map((s) => toProviderMachine(s, this.bootTimeoutMs)),
    );
  }

  async deleteMachine(cluster: ClusterRef, name: string): Promise<void> {
    const { clients } = await this.resolve(cluster);
    await mapped(() => deleteServer(clients, cluster.id, name));
  }

  /**
   * Needs the cluster's cloud: the orphan sweeper, which has only ids, is not served here
   * (see the provider's README section). Every live or deleting cluster still has its spec.
   */
  async listTaggedResources(clusterId: string, cluster?: ClusterRef): Promise<TaggedResource[]> {
    if (!cluster?.spec.openstack)
      throw new TerminalError(
        'ClusterUnknown',
        `listing OpenStack resources of cluster ${clusterId} needs its cloud`,
      );
    const { clients } = await this.resolve(cluster);
    return mapped(() => listClusterResources(clients, clusterId));
  }

  /** Every registered cloud, one deletion step per orphaned cluster. */
  async sweepOrphans(isOrphan: (clusterId: string) => Promise<boolean>): Promise<TaggedResource[]> {
    const left: TaggedResource[] = [];
    for (const cloud of await this.options.clouds.list()) {
      left.push(...(await mapped(() => sweepCloud(this.clientsFor(cloud), isOrphan))));
    }
    return left;
  }

  async connectTenant(cluster: ClusterRef): Promise<TenantCluster> {
    const { clients } = await this.resolve(cluster);
    return new OpenStackTenant(
      clients,
      { ...cluster, openstack: cluster.spec.openstack! },
      this.options.bootstrap,
    );
  }

  async adminKubeconfig(cluster: ClusterRef): Promise<string | undefined> {
    const { clients, target } = await this.resolve(cluster);
    const lb = await mapped(() => findLoadBalancer(clients, cluster.id));
    if (!lb || lb.provisioning_status !== 'ACTIVE') return undefined;
    const { endpoint } = await mapped(() => apiAddresses(clients, target));
    const pki = await this.options.bootstrap.pki(cluster.id);
    const { kubeconfig } = await createAdminKubeconfig({
      clusterName: cluster.name,
      endpoint,
      ca: pki.ca,
    });
    return kubeconfig;
  }

  /**
   * What the load-balancer and Ingress v2 add-ons sign in with: the cluster's own application
   * credential (made on first use, deleted with the cluster), never kaas's credentials for the
   * cloud. Ingress v2 also gets the cluster id its objects are tagged with, the subnet its
   * VIPs go on and the external network its floating IPs come from.
   */
  async addonInputs(
    cluster: ClusterRef,
    addon: string,
  ): Promise<Record<string, string> | undefined> {
    if (addon !== 'load-balancer' && addon !== 'ingress-v2') return undefined;
    const { clients, cloud, target } = await this.resolve(cluster);
    const credential = await mapped(() =>
      ensureClusterApplicationCredential(clients, this.options.bootstrap, cluster.id, cloud.name),
    );
    const inputs = {
      authUrl: cloud.connection.authUrl,
      region: cloud.connection.region,
      applicationCredentialId: credential.id,
      applicationCredentialSecret: credential.secret,
    };
    if (addon === 'load-balancer') return inputs;
    const network = await mapped(() => findClusterNetwork(clients, target));
    if (!network)
      throw new TransientError('the cluster network is not there yet', OpenStackReasons.Busy);
    const external = await mapped(() =>
      externalNetwork(clients.neutron, target.spec.externalNetwork),
    );
    return {
      ...inputs,
      clusterId: cluster.id,
      vipSubnetId: network.subnetId,
      floatingNetworkId: external.id,
    };
  }

  private get bootTimeoutMs(): number {
    return this.options.bootTimeoutMs ?? DEFAULT_BOOT_TIMEOUT_MS;
  }

  private async resolve(
    cluster: ClusterRef,
  ): Promise<{ clients: OpenStackClients; target: InfraTarget; cloud: RegisteredCloud }> {
    const spec = cluster.spec.openstack;
    if (!spec)
      throw new TerminalError('SpecIncomplete', 'an openstack cluster needs spec.openstack');
    const cloud = await this.options.clouds.find(spec.cloud);
    if (!cloud)
      throw new TerminalError(
        'CloudNotFound',
        `cloud "${spec.cloud}" is not registered any more; a platform administrator must register it again`,
      );
    return { clients: this.clientsFor(cloud), target: { clusterId: cluster.id, spec }, cloud };
  }

  /** One session per cloud and credential revision: tokens are shared across clusters. */
  private clientsFor(cloud: RegisteredCloud): OpenStackClients {
    const cached = this.sessions.get(cloud.id);
    if (cached && cached.revision === cloud.revision) return cached.clients;
    const clients = openstackClients(new KeystoneSession(cloud.connection, this.options.session));
    this.sessions.set(cloud.id, { revision: cloud.revision, clients });
    return clients;
  }
}
