import { existsSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import type { KubeConfig } from '@kubernetes/client-node';
import { currentContext } from '../../kube/kubeconfig-endpoint.js';
import type { ClusterSpec } from '../../domain/cluster.js';
import { TerminalError, TransientError, type FieldProblem } from '../../domain/errors.js';
import { TenantKubeClient } from '../../kube/tenant-client.js';
import type {
  ClusterRef,
  InfrastructureProvider,
  InfrastructureState,
  MachineRequest,
  PreflightContext,
  ProviderMachine,
  ProviderVersion,
  TaggedResource,
  TenantCluster,
} from '../infrastructure-provider.js';
import { CommandError } from './cli.js';
import { POOL_LABEL, renderKindConfig } from './kind-config.js';
import {
  KIND_NODE_IMAGES,
  kindVersions,
  pinnedImage,
  pinnedVersions,
  type KindNodeImage,
} from './kind-images.js';
import {
  KindClusterFolder,
  kaasContainersOf,
  kindNodesOf,
  type NodeContainer,
} from './kind-nodes.js';
import { kindSpecProblems } from './kind-preflight.js';
import type { KindTools } from './kind-tools.js';
import { workerRunArgs } from './node-container.js';
import { isJoined, runSteps, waitForBoot, workerJoinSteps } from './worker-join.js';

export interface KindProviderOptions {
  /** One folder per kind cluster: its config, node layout and claims. */
  workdir: string;
  tools: KindTools;
  /** kindest/node images by Kubernetes version; the catalogue with any configured pins. */
  images?: Readonly<Record<string, KindNodeImage>>;
  createTimeoutMs?: number;
  /** How the provider reaches a tenant API; tests may point it elsewhere. */
  connect?: (kubeconfig: string) => Promise<TenantKubeClient>;
  log?: (message: string) => void;
}

const KIND_TIMEOUT_MS = 60_000;
const DOCKER_RUN_TIMEOUT_MS = 600_000;
const JOIN_TOKEN_TTL_SECONDS = 900;

/**
 * Tenant clusters made by kind on the local Docker engine. kind creates the control plane and
 * the workers the spec asks for at creation; every later worker is a kindest/node container
 * started here the way Cluster API's Docker provider starts them, and joined by replaying our
 * kubeadm join cloud-config through `docker exec`. kind cannot add or replace control-plane
 * nodes, so control-plane count and version are fixed at creation (preflight refuses changes).
 */
export class KindProvider implements InfrastructureProvider {
  readonly name = 'kind' as const;
  private readonly images: Readonly<Record<string, KindNodeImage>>;
  private readonly connect: (kubeconfig: string) => Promise<TenantKubeClient>;

  constructor(private readonly options: KindProviderOptions) {
    this.images = options.images ?? KIND_NODE_IMAGES;
    this.connect = options.connect ?? ((k) => TenantKubeClient.fromKubeconfig(k));
  }

  /** kind's name for a cluster: from the random end of its id, unique across projects. */
  static clusterName(clusterId: string): string {
    return `kaas-${clusterId.replace(/-/g, '').slice(-12)}`;
  }

  kubernetesVersions(): ProviderVersion[] {
    return kindVersions(this.images);
  }

  /** The versions with a pinned kindest/node image: the shipped ones and any configured pins. */
  specVersions(): string[] {
    return pinnedVersions(this.images);
  }

  async preflight(spec: ClusterSpec, context?: PreflightContext): Promise<FieldProblem[]> {
    const tools = await this.options.tools.check();
    return [
      ...tools.problems.map((message) => ({ field: 'spec.provider', message })),
      ...kindSpecProblems(spec, context?.current, this.images),
    ];
  }

  async ensureClusterInfrastructure(cluster: ClusterRef): Promise<InfrastructureState> {
    const name = KindProvider.clusterName(cluster.id);
    const folder = this.folder(cluster.id);
    try {
      if (!(await this.clusterExists(name))) {
        const rendered = renderKindConfig(
          name,
          cluster.spec,
          (v) => pinnedImage(this.images[v]),
          this.specVersions(),
        );
        folder.writeCreation(rendered.yaml, rendered.nodes);
        this.options.log?.(`kind: creating cluster ${name} (${rendered.nodes.length} nodes)`);
        const timeout = this.options.createTimeoutMs ?? 600_000;
        await this.options.tools.kind.run(
          [
            'create',
            'cluster',
            '--name',
            name,
            '--config',
            folder.configPath,
            '--kubeconfig',
            folder.kubeconfigPath,
            '--wait',
            `${Math.round(timeout / 1000)}s`,
          ],
          { timeoutMs: timeout + 60_000 },
        );
      }
      const config = await this.kubeconfigOf(name);
      return { ready: true, endpoint: config.getCurrentCluster()?.server ?? '' };
    } catch (error) {
      throw asProviderError(error, 'ControlPlaneUnavailable');
    }
  }

  async deleteClusterInfrastructure(cluster: ClusterRef): Promise<{ gone: boolean }> {
    const name = KindProvider.clusterName(cluster.id);
    const folder = this.folder(cluster.id);
    const { kind, docker } = this.options.tools;
    try {
      if (await this.clusterExists(name)) {
        await kind.run(
          ['delete', 'cluster', '--name', name, '--kubeconfig', folder.kubeconfigPath],
          { timeoutMs: 300_000 },
        );
      }
      const leftovers = await kaasContainersOf(docker, cluster.id);
      if (leftovers.length > 0) {
        await docker.run(['rm', '--force', '--volumes', ...leftovers.map((c) => c.name)], {
          timeoutMs: 120_000,
        });
      }
      folder.remove();
    } catch (error) {
      throw asProviderError(error, 'DeleteFailed');
    }
    return { gone: (await this.listTaggedResources(cluster.id)).length === 0 };
  }

  async createMachine(cluster: ClusterRef, machine: MachineRequest): Promise<ProviderMachine> {
    const kindName = KindProvider.clusterName(cluster.id);
    const folder = this.folder(cluster.id);
    try {
      const containers = await this.nodes(kindName);
      const claims = folder.claims();
      let found = containers.find((c) => (c.machine || claims.get(c.name)) === machine.name);
      // A node kind created and this machine already took over.
      if (found && !found.machine) return machineOf(kindName, machine.name, found);
      if (found && found.state !== 'running') {
        // Our container stopped before it joined: start over with a fresh one.
        await this.options.tools.docker.run(['rm', '--force', '--volumes', found.name], {
          timeoutMs: 120_000,
        });
        found = undefined;
      }
      if (!found) {
        const claimed = claimKindNode(folder, containers, machine);
        if (claimed) return machineOf(kindName, machine.name, claimed);
        if (machine.role === 'control-plane') return controlPlaneRefused(machine.name);
      }
      await this.runWorker(cluster, kindName, machine, found !== undefined);
    } catch (error) {
      throw asProviderError(error, 'MachineCreateFailed');
    }
    return (await this.getMachine(cluster, machine.name))!;
  }

  async getMachine(cluster: ClusterRef, name: string): Promise<ProviderMachine | undefined> {
    return (await this.listMachines(cluster)).find((m) => m.name === name);
  }

  async listMachines(cluster: ClusterRef): Promise<ProviderMachine[]> {
    const kindName = KindProvider.clusterName(cluster.id);
    const containers = await this.nodes(kindName);
    const claims = this.folder(cluster.id).claims();
    return containers.flatMap((c) => {
      const machine = c.machine || claims.get(c.name);
      return machine ? [machineOf(kindName, machine, c)] : [];
    });
  }

  async deleteMachine(cluster: ClusterRef, name: string): Promise<void> {
    const kindName = KindProvider.clusterName(cluster.id);
    const folder = this.folder(cluster.id);
    const claims = folder.claims();
    const container = (await this.nodes(kindName)).find(
      (c) => c.machine === name || claims.get(c.name) === name,
    );
    if (!container) return;
    try {
      await this.options.tools.docker.run(['rm', '--force', '--volumes', container.name], {
        timeoutMs: 120_000,
      });
    } catch (error) {
      throw asProviderError(error, 'MachineDeleteFailed');
    }
    folder.release(container.name);
  }

  async listTaggedResources(clusterId: string): Promise<TaggedResource[]> {
    const { docker } = this.options.tools;
    const kindName = KindProvider.clusterName(clusterId);
    const containers = new Map<string, NodeContainer>();
    for (const c of [
      ...(await kindNodesOf(docker, kindName)),
      ...(await kaasContainersOf(docker, clusterId)),
    ]) {
      containers.set(c.name, c);
    }
    const resources: TaggedResource[] = [...containers.values()].map((c) => ({
      kind: 'container',
      name: c.name,
      id: c.name,
    }));
    const folder = this.folder(clusterId);
    if (existsSync(folder.dir)) resources.push({ kind: 'folder', name: folder.dir, id: kindName });
    return resources;
  }

  async connectTenant(cluster: ClusterRef): Promise<TenantCluster> {
    return this.connect(await this.adminKubeconfigOrFail(cluster));
  }

  /** The admin kubeconfig kind keeps for the cluster, with the API server on 127.0.0.1. */
  async adminKubeconfig(cluster: ClusterRef): Promise<string | undefined> {
    const name = KindProvider.clusterName(cluster.id);
    if (!(await this.clusterExists(name))) return undefined;
    return (
      await this.options.tools.kind.run(['get', 'kubeconfig', '--name', name], {
        timeoutMs: KIND_TIMEOUT_MS,
      })
    ).stdout;
  }

  private async adminKubeconfigOrFail(cluster: ClusterRef): Promise<string> {
    const kubeconfig = await this.adminKubeconfig(cluster);
    if (!kubeconfig)
      throw new TransientError(
        `kind cluster ${KindProvider.clusterName(cluster.id)} does not exist yet`,
        'ControlPlaneUnavailable',
      );
    return kubeconfig;
  }

  private async kubeconfigOf(name: string): Promise<KubeConfig> {
    const { stdout } = await this.options.tools.kind.run(['get', 'kubeconfig', '--name', name], {
      timeoutMs: KIND_TIMEOUT_MS,
    });
    const { KubeConfig } = await import('@kubernetes/client-node');
    const config = new KubeConfig();
    config.loadFromString(stdout);
    return config;
  }

  /** Starts (or finishes starting) a worker container of the requested version and joins it. */
  private async runWorker(
    cluster: ClusterRef,
    kindName: string,
    machine: MachineRequest,
    restarted: boolean,
  ): Promise<void> {
    const image = pinnedImage(this.images[machine.version]);
    if (!image)
      throw new TerminalError(
        'ImageUnknown',
        `no kindest/node image with a digest is known for Kubernetes ${machine.version}`,
      );
    const container = this.containerFor(cluster, machine.name);
    const { docker } = this.options.tools;
    if (!restarted) {
      await docker.run(
        workerRunArgs({
          kindCluster: kindName,
          clusterId: cluster.id,
          container,
          machine: machine.name,
          ...(machine.pool ? { pool: machine.pool.name } : {}),
          image,
        }),
        { timeoutMs: DOCKER_RUN_TIMEOUT_MS },
      );
    }
    await waitForBoot(docker, container);
    if (await isJoined(docker, container)) return;
    // A join that died half-way leaves files kubeadm refuses to overwrite.
    if (restarted)
      await docker.run(['exec', container, 'kubeadm', 'reset', '--force'], { timeoutMs: 120_000 });
    const kubeconfig = await this.adminKubeconfigOrFail(cluster);
    const tenant = await this.connect(kubeconfig);
    const token = await tenant.createBootstrapToken(
      JOIN_TOKEN_TTL_SECONDS,
      `kaas: joins ${machine.name}`,
    );
    const steps = workerJoinSteps({
      container,
      kubernetesVersion: machine.version,
      controlPlaneEndpoint: `${kindName}-${cluster.spec.controlPlane.replicas > 1 ? 'external-load-balancer' : 'control-plane'}:6443`,
      token,
      caCertPem: caOf(kubeconfig),
      providerId: `kind://docker/${kindName}/${container}`,
      labels: {
        ...(machine.pool?.labels ?? {}),
        ...(machine.pool ? { [POOL_LABEL]: machine.pool.name } : {}),
      },
      taints: machine.pool?.taints ?? [],
    });
    this.options.log?.(`kind: joining ${container} to ${kindName}`);
    await runSteps(docker, container, steps);
  }

  /** The container kaas runs for a machine: the kind cluster's name, then pool and suffix. */
  private containerFor(cluster: ClusterRef, machine: string): string {
    return `${KindProvider.clusterName(cluster.id)}-${machine.slice(cluster.name.length + 1)}`;
  }

  private async clusterExists(name: string): Promise<boolean> {
    const { stdout } = await this.options.tools.kind.run(['get', 'clusters'], {
      timeoutMs: KIND_TIMEOUT_MS,
    });
    return stdout.split('\n').some((line) => line.trim() === name);
  }

  private nodes(kindName: string): Promise<NodeContainer[]> {
    return kindNodesOf(this.options.tools.docker, kindName);
  }

  private folder(clusterId: string): KindClusterFolder {
    mkdirSync(this.options.workdir, { recursive: true });
    return new KindClusterFolder(join(this.options.workdir, KindProvider.clusterName(clusterId)));
  }
}

/** Takes over a node kind created for this role, pool and version, if one is unclaimed. */
function claimKindNode(
  folder: KindClusterFolder,
  containers: NodeContainer[],
  machine: MachineRequest,
): NodeContainer | undefined {
  const unclaimed = new Map(containers.filter((c) => !c.machine).map((c) => [c.name, c]));
  const candidates = folder
    .layout()
    .filter(
      (n) =>
        n.role === machine.role &&
        n.version === machine.version &&
        (n.pool ?? null) === (machine.pool?.name ?? null),
    );
  for (const node of candidates) {
    const container = unclaimed.get(node.container);
    if (container && folder.claim(container.name, machine.name)) return container;
  }
  return undefined;
}

function controlPlaneRefused(name: string): ProviderMachine {
  return {
    name,
    providerId: '',
    nodeName: '',
    state: 'failed',
    failureReason:
      'kind cannot add a control-plane node to an existing cluster; its control plane is fixed at creation',
  };
}

function machineOf(kindName: string, machine: string, c: NodeContainer): ProviderMachine {
  const base = {
    name: machine,
    providerId: `kind://docker/${kindName}/${c.name}`,
    nodeName: c.name,
  };
  switch (c.state) {
    case 'running':
      return { ...base, state: 'running' };
    case 'created':
    case 'restarting':
      return { ...base, state: 'provisioning', readyInMs: 2_000 };
    case 'removing':
      return { ...base, state: 'deleting' };
    default:
      return { ...base, state: 'failed', failureReason: `container ${c.name} is ${c.state}` };
  }
}

function caOf(kubeconfig: string): string {
  const data = currentContext(kubeconfig)?.cluster['certificate-authority-data'];
  if (typeof data !== 'string' || !data)
    throw new Error('the kind kubeconfig carries no certificate-authority-data');
  return Buffer.from(data, 'base64').toString('utf8');
}

function asProviderError(error: unknown, reason: string): Error {
  if (error instanceof TerminalError || error instanceof TransientError) return error;
  if (error instanceof CommandError && error.notFound)
    return new TerminalError('ToolMissing', error.message);
  return new TransientError(error instanceof Error ? error.message : String(error), reason);
}
