import type { ClusterSpec, NodePoolSpec, ProviderName } from '../domain/cluster.js';
import type { FieldProblem } from '../domain/errors.js';
import type { MachineRole } from '../domain/machine.js';

/**
 * The one contract through which reconcilers reach infrastructure. Every method is idempotent
 * and keyed by deterministic names, so a reconcile that died half-way can simply run again:
 * whatever was created before the crash is adopted, never duplicated.
 */
export interface InfrastructureProvider {
  readonly name: ProviderName;

  /**
   * The Kubernetes versions this provider can run and what each is made of (binaries built,
   * a node image pinned by digest, a cloud image): the provider's part of the version
   * catalogue served by serverConfig.
   */
  kubernetesVersions(): ProviderVersion[];

  /**
   * The full versions a spec may name with this provider, for providers whose catalogue differs
   * from the versions kaas supports (kind runs the patches kind published). Absent: kaas's
   * supported versions. A minor in a spec resolves to its newest patch here.
   */
  specVersions?(): readonly string[];

  /** Checks what can be checked before anything is created; problems answer 422 at request time. */
  preflight(spec: ClusterSpec, context?: PreflightContext): Promise<FieldProblem[]>;

  /**
   * How long running machines may go without their nodes registering before the Operation
   * fails with NodesNotJoined; absent: wait as long as it takes.
   */
  readonly nodeJoinTimeoutMs?: number;

  /** Creates or adopts network, security groups, API load balancer and the like. */
  ensureClusterInfrastructure(cluster: ClusterRef): Promise<InfrastructureState>;

  /**
   * For providers whose control-plane components run outside the machines (kwok's processes):
   * moves them to `version`, restarting them on that version's binaries. Providers that
   * upgrade the control plane by replacing its machines leave this out.
   */
  ensureControlPlaneVersion?(cluster: ClusterRef, version: string): Promise<InfrastructureState>;

  /** Starts deleting the cluster's infrastructure; `gone` once nothing of it remains. */
  deleteClusterInfrastructure(cluster: ClusterRef): Promise<{ gone: boolean }>;

  /** Creates the named machine, or returns it if it already exists for this cluster. */
  createMachine(cluster: ClusterRef, machine: MachineRequest): Promise<ProviderMachine>;

  getMachine(cluster: ClusterRef, name: string): Promise<ProviderMachine | undefined>;

  listMachines(cluster: ClusterRef): Promise<ProviderMachine[]>;

  /** Starts deleting the named machine; a missing machine is not an error. */
  deleteMachine(cluster: ClusterRef, name: string): Promise<void>;

  /**
   * Everything the provider holds tagged with this cluster's id: delete is done when empty.
   * Providers with several accounts (OpenStack clouds) need the cluster to know where to look.
   */
  listTaggedResources(clusterId: string, cluster?: ClusterRef): Promise<TaggedResource[]>;

  /**
   * Deletes what the provider holds for clusters `isOrphan` confirms are gone; one step per
   * call, like deleteClusterInfrastructure. Providers whose resources die with the cluster
   * (fake, kwok) need none.
   */
  sweepOrphans?(isOrphan: (clusterId: string) => Promise<boolean>): Promise<TaggedResource[]>;

  /** The tenant cluster's API as the control plane sees it (nodes, drain). */
  connectTenant(cluster: ClusterRef): Promise<TenantCluster>;

  /** A cluster-admin kubeconfig for the user; undefined where there is no API server yet (or at all). */
  adminKubeconfig(cluster: ClusterRef): Promise<string | undefined>;

  /**
   * Values an add-on variant needs from the infrastructure (OpenStack: the cluster's
   * application credential for the cloud controller manager's cloud-config Secret).
   */
  addonInputs?(cluster: ClusterRef, addon: string): Promise<Record<string, string> | undefined>;
}

export interface ProviderVersion {
  version: string;
  /** False when its artefact is missing here (binaries not built, image not found). */
  available: boolean;
  /** What clusters of this version are made of, for people. */
  artefact: string;
}

/** Who asks: the project (for grants) and, on a spec change, the cluster (for its usage). */
export interface PreflightContext {
  projectId: string;
  clusterId?: string;
  /** On a change: the spec in force, for providers that cannot make every change. */
  current?: ClusterSpec;
}

export interface ClusterRef {
  id: string;
  name: string;
  projectId: string;
  spec: ClusterSpec;
}

export interface InfrastructureState {
  ready: boolean;
  /** The Kubernetes API endpoint, once known. */
  endpoint?: string;
  message?: string;
  /** A hint for when to look again while not ready. */
  retryAfterMs?: number;
}

export interface MachineRequest {
  name: string;
  role: MachineRole;
  pool?: NodePoolSpec;
  version: string;
  flavor: string;
}

export type ProviderMachineState = 'provisioning' | 'running' | 'deleting' | 'failed';

export interface ProviderMachine {
  name: string;
  providerId: string;
  state: ProviderMachineState;
  /** Node name the machine registers as in the tenant cluster. */
  nodeName: string;
  failureReason?: string;
  /** A hint for when provisioning should be finished. */
  readyInMs?: number;
}

export interface TaggedResource {
  kind: string;
  name: string;
  id: string;
}

export interface TenantNode {
  name: string;
  ready: boolean;
  /** When `ready` last changed, if the API says. */
  readySince?: string;
  unschedulable: boolean;
}

export interface DrainResult {
  /** Every evictable pod is gone. */
  drained: boolean;
  /** Pods whose eviction a PodDisruptionBudget refused, as namespace/name. */
  blockedBy: string[];
  /** Pods evicted but not gone yet, as namespace/name. */
  terminating?: string[];
}

/** What the reconciler needs of a tenant cluster; providers with real clusters use src/kube. */
export interface TenantCluster {
  /** Null while the API server does not answer. */
  listNodes(): Promise<TenantNode[] | null>;
  cordon(nodeName: string): Promise<void>;
  drain(nodeName: string, options: { timeoutMs: number }): Promise<DrainResult>;
  deleteNode(nodeName: string): Promise<void>;
  /**
   * Removes the etcd member of a control-plane node before its machine is deleted, so that the
   * quorum is computed over the members that remain. Left out where etcd does not run on the
   * machines (kwok runs one etcd process beside the API server; the fake provider has none).
   */
  removeEtcdMember?(nodeName: string): Promise<void>;
  close(): Promise<void>;
}

/** Nest injection token for the map of enabled providers. */
export const PROVIDERS = Symbol('PROVIDERS');
export type ProviderRegistry = ReadonlyMap<ProviderName, InfrastructureProvider>;
