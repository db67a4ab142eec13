import type { ClusterSpec } from '../../domain/cluster.js';
import type { FieldProblem } from '../../domain/errors.js';
import { SUPPORTED_KUBERNETES_VERSIONS } from '../../domain/versions.js';
import type {
  ClusterRef,
  DrainResult,
  InfrastructureProvider,
  InfrastructureState,
  MachineRequest,
  ProviderMachine,
  ProviderVersion,
  TaggedResource,
  TenantCluster,
  TenantNode,
} from '../infrastructure-provider.js';
import type { FakeCloudStore, FakeResource } from './fake-cloud.store.js';
import { FaultInjector } from './fault-injector.js';

export interface FakeProviderOptions {
  bootMs: number;
  deleteMs: number;
  faults?: FaultInjector;
  now?: () => Date;
}

/** Flavors the fake cloud offers, so preflight has something real to refuse. */
export const FAKE_FLAVORS = ['standard', 'large', 'gpu-small', 'gpu-large'];

/**
 * An in-process cloud: infrastructure, machines that boot after a delay and disappear after
 * another, and injectable faults. Its state lives in a store outside the worker so a killed
 * worker finds its machines again.
 */
export class FakeProvider implements InfrastructureProvider {
  readonly name = 'fake' as const;
  readonly faults: FaultInjector;
  private readonly now: () => Date;
  /**
   * kubeadm's stacked etcd, simulated per cluster: each control-plane machine that has run is
   * a member until removed. A machine deleted while still a member leaves its member behind,
   * as a real cluster would, where quorum then counts it.
   */
  private readonly etcd = new Map<string, { removed: Set<string>; leftBehind: Set<string> }>();

  constructor(
    private readonly store: FakeCloudStore,
    private readonly options: FakeProviderOptions,
  ) {
    this.faults = options.faults ?? new FaultInjector();
    this.now = options.now ?? (() => new Date());
  }

  kubernetesVersions(): ProviderVersion[] {
    return SUPPORTED_KUBERNETES_VERSIONS.map((version) => ({
      version,
      available: true,
      artefact: 'simulated machines (records in the database)',
    }));
  }

  async preflight(spec: ClusterSpec): Promise<FieldProblem[]> {
    const problems: FieldProblem[] = [];
    if (!FAKE_FLAVORS.includes(spec.controlPlane.flavor)) {
      problems.push({
        field: 'spec.controlPlane.flavor',
        message: unknownFlavor(spec.controlPlane.flavor),
      });
    }
    spec.nodePools.forEach((pool, i) => {
      if (!FAKE_FLAVORS.includes(pool.flavor)) {
        problems.push({
          field: `spec.nodePools[${i}].flavor`,
          message: unknownFlavor(pool.flavor),
        });
      }
    });
    return problems;
  }

  async ensureClusterInfrastructure(cluster: ClusterRef): Promise<InfrastructureState> {
    this.faults.check('ensureInfrastructure');
    const now = this.now();
    const readyAt = new Date(now.getTime() + this.options.bootMs / 2);
    const network = await this.store.ensure({
      clusterId: cluster.id,
      kind: 'network',
      name: `${cluster.name}-net`,
      attributes: { cidr: '10.0.0.0/24' },
      readyAt,
    });
    const lb = await this.store.ensure({
      clusterId: cluster.id,
      kind: 'loadbalancer',
      name: `${cluster.name}-api`,
      attributes: { vip: `10.0.0.${(hash(cluster.id) % 200) + 10}` },
      readyAt,
    });
    const pending = [network, lb].filter((r) => r.readyAt > now);
    if (pending.length > 0) {
      return {
        ready: false,
        message: `waiting for ${pending.map((r) => r.name).join(', ')}`,
        retryAfterMs: Math.max(...pending.map((r) => r.readyAt.getTime() - now.getTime())),
      };
    }
    return { ready: true, endpoint: `https://${lb.attributes.vip}:6443` };
  }

  async deleteClusterInfrastructure(cluster: ClusterRef): Promise<{ gone: boolean }> {
    this.faults.check('deleteInfrastructure');
    const now = this.now();
    const goneAt = new Date(now.getTime() + this.options.deleteMs);
    const remaining = (await this.store.list(cluster.id, now)).filter((r) => r.kind !== 'machine');
    for (const resource of remaining) {
      await this.store.requestDelete(cluster.id, resource.kind, resource.name, goneAt);
    }
    return { gone: remaining.length === 0 };
  }

  async createMachine(cluster: ClusterRef, machine: MachineRequest): Promise<ProviderMachine> {
    this.faults.check('createMachine');
    const now = this.now();
    const created = await this.store.ensure({
      clusterId: cluster.id,
      kind: 'machine',
      name: machine.name,
      attributes: {
        role: machine.role,
        pool: machine.pool?.name ?? '',
        version: machine.version,
        flavor: machine.flavor,
      },
      readyAt: new Date(now.getTime() + this.options.bootMs),
    });
    const failure = this.faults.take('bootMachine');
    if (failure) {
      await this.store.markFailed(cluster.id, 'machine', machine.name, 'injected boot failure');
      return this.toMachine({ ...created, failedReason: 'injected boot failure' }, now);
    }
    return this.toMachine(created, now);
  }

  async getMachine(cluster: ClusterRef, name: string): Promise<ProviderMachine | undefined> {
    const now = this.now();
    const found = await this.store.get(cluster.id, 'machine', name, now);
    return found && this.toMachine(found, now);
  }

  async listMachines(cluster: ClusterRef): Promise<ProviderMachine[]> {
    const now = this.now();
    return (await this.store.list(cluster.id, now, 'machine')).map((m) => this.toMachine(m, now));
  }

  async deleteMachine(cluster: ClusterRef, name: string): Promise<void> {
    this.faults.check('deleteMachine');
    const etcd = this.etcdOf(cluster.id);
    if ((await this.runningMembers(cluster.id)).includes(name) && !etcd.removed.has(name))
      etcd.leftBehind.add(name);
    const goneAt = new Date(this.now().getTime() + this.options.deleteMs);
    await this.store.requestDelete(cluster.id, 'machine', name, goneAt);
  }

  async listTaggedResources(clusterId: string): Promise<TaggedResource[]> {
    return (await this.store.list(clusterId, this.now())).map((r) => ({
      kind: r.kind,
      name: r.name,
      id: r.id,
    }));
  }

  async connectTenant(cluster: ClusterRef): Promise<TenantCluster> {
    const machines = () => this.listMachines(cluster);
    return {
      listNodes: async (): Promise<TenantNode[]> =>
        (await machines())
          .filter((m) => m.state === 'running' || m.state === 'deleting')
          .map((m) => ({ name: m.nodeName, ready: m.state === 'running', unschedulable: false })),
      cordon: async () => undefined,
      drain: async (): Promise<DrainResult> => ({ drained: true, blockedBy: [] }),
      deleteNode: async () => undefined,
      removeEtcdMember: (nodeName) => this.removeEtcdMember(cluster.id, nodeName),
      close: async () => undefined,
    };
  }

  /** The etcd members of the cluster's simulated stacked control plane, by node name. */
  async etcdMembers(clusterId: string): Promise<string[]> {
    const { removed, leftBehind } = this.etcdOf(clusterId);
    const running = (await this.runningMembers(clusterId)).filter((n) => !removed.has(n));
    return [...new Set([...running, ...leftBehind])].sort();
  }

  /** As etcdctl through another member: refused when no other member would remain to ask. */
  private async removeEtcdMember(clusterId: string, nodeName: string): Promise<void> {
    const members = await this.etcdMembers(clusterId);
    if (!members.some((m) => m !== nodeName))
      throw new Error(`no other etcd member to ask before removing ${nodeName}`);
    this.etcdOf(clusterId).removed.add(nodeName);
  }

  /** Control-plane machines that have booted and not yet gone, whatever etcd says of them. */
  private async runningMembers(clusterId: string): Promise<string[]> {
    const now = this.now();
    return (await this.store.list(clusterId, now, 'machine'))
      .filter((m) => m.attributes.role === 'control-plane' && !m.failedReason && m.readyAt <= now)
      .map((m) => m.name);
  }

  private etcdOf(clusterId: string) {
    let state = this.etcd.get(clusterId);
    if (!state) {
      state = { removed: new Set(), leftBehind: new Set() };
      this.etcd.set(clusterId, state);
    }
    return state;
  }

  /** The fake cloud runs no API server, so there is no kubeconfig to give. */
  async adminKubeconfig(): Promise<string | undefined> {
    return undefined;
  }

  private toMachine(resource: FakeResource, now: Date): ProviderMachine {
    const base = {
      name: resource.name,
      providerId: `fake://${resource.id}`,
      nodeName: resource.name,
    };
    if (resource.deleteRequestedAt) return { ...base, state: 'deleting' };
    if (resource.failedReason)
      return { ...base, state: 'failed', failureReason: resource.failedReason };
    if (resource.readyAt > now) {
      return {
        ...base,
        state: 'provisioning',
        readyInMs: resource.readyAt.getTime() - now.getTime(),
      };
    }
    return { ...base, state: 'running' };
  }
}

function unknownFlavor(flavor: string): string {
  return `flavor "${flavor}" does not exist; available: ${FAKE_FLAVORS.join(', ')}`;
}

function hash(value: string): number {
  let h = 0;
  for (const ch of value) h = (h * 31 + ch.charCodeAt(0)) >>> 0;
  return h;
}
