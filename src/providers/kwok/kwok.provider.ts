import { existsSync, mkdirSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { ClusterSpec } from '../../domain/cluster.js';
import { TerminalError, TransientError, type FieldProblem } from '../../domain/errors.js';
import { TenantKubeClient } from '../../kube/tenant-client.js';
import { isAlreadyExists, isNotFound } from '../../kube/kube-errors.js';
import type {
  ClusterRef,
  InfrastructureProvider,
  InfrastructureState,
  MachineRequest,
  ProviderMachine,
  ProviderVersion,
  TaggedResource,
  TenantCluster,
} from '../infrastructure-provider.js';
import { KubernetesTools, MissingToolError } from './kubernetes-tools.js';
import { Kwokctl, clusterProcesses, missingComponents } from './kwokctl.js';
import { KWOK_ANNOTATED_NODES_ONLY, KWOK_FLAVORS, nodeFor } from './node-template.js';

export interface KwokProviderOptions {
  /** Folder for kwokctl's clusters (KWOK_WORKDIR). */
  workdir: string;
  /** Simulated time between a machine's creation and its node registering. */
  bootMs: number;
  startTimeoutMs?: number;
  tools?: KubernetesTools;
  log?: (message: string) => void;
}

interface MachineRecord {
  request: MachineRequest;
  readyAt: number;
  /**
   * Simulates a kubelet that never registers (a bad image, a join that fails): the machine
   * runs and no node appears for it. Set only by hand, in the machine's record file.
   */
  neverRegisters?: boolean;
}

/**
 * Tenant clusters with a real control plane (etcd, kube-apiserver, controller manager,
 * scheduler, started by kwokctl's binary runtime) and nodes simulated by kwok. A machine is a
 * record in the cluster's folder until its simulated boot ends, then a kwok-managed Node.
 */
export class KwokProvider implements InfrastructureProvider {
  readonly name = 'kwok' as const;
  private readonly tools: KubernetesTools;
  private readonly kwokctl: Kwokctl;

  constructor(private readonly options: KwokProviderOptions) {
    this.tools = options.tools ?? new KubernetesTools();
    this.kwokctl = new Kwokctl(this.tools, options.workdir);
  }

  /** kwokctl's name for a cluster: from the random end of its id, so names never collide. */
  static clusterName(clusterId: string): string {
    return `kaas-${clusterId.replace(/-/g, '').slice(-12)}`;
  }

  /** Every pinned version, available where its binaries were built. */
  kubernetesVersions(): ProviderVersion[] {
    return this.tools.versions.kubeVersions.map((version) => {
      let available = true;
      try {
        this.tools.kubernetes(version);
      } catch {
        available = false;
      }
      return {
        version,
        available,
        artefact: `kube-apiserver, controller manager, scheduler and etcd ${version} built from the Go modules; nodes simulated by kwok ${this.tools.versions.kwok}`,
      };
    });
  }

  async preflight(spec: ClusterSpec): Promise<FieldProblem[]> {
    const problems: FieldProblem[] = [];
    try {
      this.tools.kwokctl();
      this.tools.kubernetes(spec.kubernetesVersion);
    } catch (error) {
      if (!(error instanceof MissingToolError)) throw error;
      problems.push({ field: 'spec.kubernetesVersion', message: error.message });
    }
    const flavors = Object.keys(KWOK_FLAVORS);
    if (!flavors.includes(spec.controlPlane.flavor)) {
      problems.push({
        field: 'spec.controlPlane.flavor',
        message: `unknown flavor; available: ${flavors.join(', ')}`,
      });
    }
    spec.nodePools.forEach((pool, i) => {
      if (!flavors.includes(pool.flavor)) {
        problems.push({
          field: `spec.nodePools[${i}].flavor`,
          message: `unknown flavor; available: ${flavors.join(', ')}`,
        });
      }
    });
    return problems;
  }

  async ensureClusterInfrastructure(cluster: ClusterRef): Promise<InfrastructureState> {
    const name = KwokProvider.clusterName(cluster.id);
    const timeout = this.options.startTimeoutMs ?? 120_000;
    try {
      if (this.kwokctl.exists(name) && !this.kwokctl.created(name)) {
        // A create that never finished (its worker died): nothing of it is worth keeping.
        this.options.log?.(`kwok cluster ${name}: removing what an unfinished create left`);
        await this.kwokctl.discard(name);
      }
      if (!this.kwokctl.exists(name)) {
        mkdirSync(this.options.workdir, { recursive: true });
        await this.kwokctl.create(
          name,
          cluster.spec.kubernetesVersion,
          timeout,
          KWOK_ANNOTATED_NODES_ONLY,
        );
      }
      const client = await TenantKubeClient.fromKubeconfig(this.kwokctl.kubeconfig(name));
      const missing = missingComponents(this.kwokctl.clusterDir(name));
      if (missing.length > 0 || (await client.serverVersion()) === null) {
        // Its processes died (a reboot, a kill): kwokctl starts them again from the same files.
        this.options.log?.(
          `kwok cluster ${name}: ${missing.length > 0 ? `${missing.join(', ')} not running` : 'the API server does not answer'}; restarting its control plane`,
        );
        await this.kwokctl.restart(name, cluster.spec.kubernetesVersion, timeout);
        await client.waitForApi(timeout);
      }
      return { ready: true, endpoint: client.config.getCurrentCluster()?.server ?? '' };
    } catch (error) {
      if (error instanceof MissingToolError)
        throw new TerminalError('BinariesMissing', error.message);
      throw new TransientError(
        error instanceof Error ? error.message : String(error),
        'ControlPlaneUnavailable',
      );
    }
  }

  async ensureControlPlaneVersion(
    cluster: ClusterRef,
    version: string,
  ): Promise<InfrastructureState> {
    const name = KwokProvider.clusterName(cluster.id);
    const timeout = this.options.startTimeoutMs ?? 120_000;
    if (!this.kwokctl.exists(name))
      throw new TransientError(
        `kwok cluster ${name} does not exist yet`,
        'ControlPlaneUnavailable',
      );
    const client = await TenantKubeClient.fromKubeconfig(this.kwokctl.kubeconfig(name));
    const endpoint = client.config.getCurrentCluster()?.server ?? '';
    // Already on these binaries: the infrastructure phase, just before, saw the API answer.
    if (this.kwokctl.controlPlaneVersion(name) === version) return { ready: true, endpoint };
    let serving: string;
    try {
      this.options.log?.(`kwok cluster ${name}: restarting the control plane on ${version}`);
      await this.kwokctl.switchControlPlane(name, version, timeout);
      serving = await client.waitForApi(timeout);
    } catch (error) {
      if (error instanceof MissingToolError)
        throw new TerminalError('BinariesMissing', error.message);
      throw new TransientError(
        error instanceof Error ? error.message : String(error),
        'ControlPlaneUnavailable',
      );
    }
    if (serving !== `v${version}`) {
      return {
        ready: false,
        message: `the API server answers as ${serving}, waiting for v${version}`,
        retryAfterMs: 1_000,
      };
    }
    return { ready: true, endpoint };
  }

  async deleteClusterInfrastructure(cluster: ClusterRef): Promise<{ gone: boolean }> {
    const name = KwokProvider.clusterName(cluster.id);
    if (this.kwokctl.exists(name)) await this.kwokctl.delete(name);
    const dir = this.kwokctl.clusterDir(name);
    // kwokctl leaves the folder behind when a create died half-way; nothing in it is needed.
    if (existsSync(dir) && clusterProcesses(dir).length === 0)
      rmSync(dir, { recursive: true, force: true });
    return { gone: !existsSync(dir) && clusterProcesses(dir).length === 0 };
  }

  async createMachine(cluster: ClusterRef, machine: MachineRequest): Promise<ProviderMachine> {
    const path = this.recordPath(cluster, machine.name);
    if (!existsSync(path)) {
      mkdirSync(join(path, '..'), { recursive: true });
      const record: MachineRecord = { request: machine, readyAt: Date.now() + this.options.bootMs };
      writeFileSync(path, JSON.stringify(record));
    }
    return (await this.getMachine(cluster, machine.name))!;
  }

  async getMachine(cluster: ClusterRef, name: string): Promise<ProviderMachine | undefined> {
    const record = this.readRecord(cluster, name);
    if (!record) return undefined;
    const providerId = `kwok://${KwokProvider.clusterName(cluster.id)}/${name}`;
    const base = { name, providerId, nodeName: name };
    const wait = record.readyAt - Date.now();
    if (wait > 0) return { ...base, state: 'provisioning', readyInMs: wait };
    const client = await this.client(cluster);
    try {
      await client.core.readNode({ name });
    } catch (error) {
      if (!isNotFound(error))
        throw new TransientError(`node ${name}: ${String(error)}`, 'APIServerUnavailable');
      if (record.neverRegisters) return { ...base, state: 'running' };
      // The simulated boot is over: the machine's kubelet registers its node (once: a look
      // at the same machine from elsewhere may have registered it meanwhile).
      await client.core
        .createNode({ body: nodeFor(cluster.id, providerId, record.request) })
        .catch((error: unknown) => {
          if (!isAlreadyExists(error)) throw error;
        });
    }
    return { ...base, state: 'running' };
  }

  async listMachines(cluster: ClusterRef): Promise<ProviderMachine[]> {
    const dir = this.recordDir(cluster);
    if (!existsSync(dir)) return [];
    const names = readdirSync(dir)
      .filter((f) => f.endsWith('.json'))
      .map((f) => f.slice(0, -5));
    const machines = await Promise.all(names.map((n) => this.getMachine(cluster, n)));
    return machines.filter((m): m is ProviderMachine => m !== undefined);
  }

  async deleteMachine(cluster: ClusterRef, name: string): Promise<void> {
    const path = this.recordPath(cluster, name);
    if (!existsSync(path)) return;
    if (this.kwokctl.exists(KwokProvider.clusterName(cluster.id))) {
      try {
        await (await this.client(cluster)).core.deleteNode({ name });
      } catch (error) {
        if (!isNotFound(error))
          throw new TransientError(`delete node ${name}: ${String(error)}`, 'APIServerUnavailable');
      }
    }
    rmSync(path, { force: true });
  }

  async listTaggedResources(clusterId: string): Promise<TaggedResource[]> {
    const name = KwokProvider.clusterName(clusterId);
    const dir = this.kwokctl.clusterDir(name);
    const resources: TaggedResource[] = clusterProcesses(dir).map((pid) => ({
      kind: 'process',
      name: `pid ${pid}`,
      id: String(pid),
    }));
    if (existsSync(dir)) resources.push({ kind: 'folder', name: dir, id: name });
    return resources;
  }

  async connectTenant(cluster: ClusterRef): Promise<TenantCluster> {
    return this.client(cluster);
  }

  /** The admin kubeconfig kwokctl wrote for the cluster. */
  async adminKubeconfig(cluster: ClusterRef): Promise<string | undefined> {
    const name = KwokProvider.clusterName(cluster.id);
    return this.kwokctl.exists(name) ? this.kwokctl.kubeconfig(name) : undefined;
  }

  private async client(cluster: ClusterRef): Promise<TenantKubeClient> {
    const name = KwokProvider.clusterName(cluster.id);
    if (!this.kwokctl.exists(name))
      throw new TransientError(
        `kwok cluster ${name} does not exist yet`,
        'ControlPlaneUnavailable',
      );
    return TenantKubeClient.fromKubeconfig(this.kwokctl.kubeconfig(name));
  }

  private recordDir(cluster: ClusterRef): string {
    return join(this.kwokctl.clusterDir(KwokProvider.clusterName(cluster.id)), 'kaas-machines');
  }

  private recordPath(cluster: ClusterRef, name: string): string {
    return join(this.recordDir(cluster), `${name}.json`);
  }

  private readRecord(cluster: ClusterRef, name: string): MachineRecord | undefined {
    const path = this.recordPath(cluster, name);
    if (!existsSync(path)) return undefined;
    return JSON.parse(readFileSync(path, 'utf8')) as MachineRecord;
  }
}

export { clusterProcesses };
