import type {
  AppsV1Api,
  CoreV1Api,
  KubeConfig,
  KubernetesObject,
  KubernetesObjectApi,
  V1Pod,
  VersionApi,
} from '@kubernetes/client-node';
import { sleep } from '../common/concurrency.js';
import { generateBootstrapToken } from '../bootstrap/tokens.js';
import type {
  DrainResult,
  TenantCluster,
  TenantNode,
} from '../providers/infrastructure-provider.js';
import { isNotFound, isUnreachable, kubeMessage, kubeStatus } from './kube-errors.js';
import { toTenantNode } from './tenant-node.js';
import { apiServerExec, removeEtcdMember } from './etcd-members.js';

type ClientNode = typeof import('@kubernetes/client-node');

export const FIELD_MANAGER = 'kaas';

/** How long past its deletion deadline a terminating pod may hold a drain. */
const STUCK_TERMINATING_MARGIN_MS = 30_000;

/**
 * The control plane's client of one tenant cluster: readiness, nodes, cordon and drain
 * through the Eviction API, bootstrap tokens. Apply and rollout waits live in apply.ts.
 */
export class TenantKubeClient implements TenantCluster {
  readonly core: CoreV1Api;
  readonly apps: AppsV1Api;
  readonly objects: KubernetesObjectApi;
  private readonly version: VersionApi;

  private constructor(
    readonly config: KubeConfig,
    private readonly k8s: ClientNode,
  ) {
    this.core = config.makeApiClient(k8s.CoreV1Api);
    this.apps = config.makeApiClient(k8s.AppsV1Api);
    this.version = config.makeApiClient(k8s.VersionApi);
    this.objects = k8s.KubernetesObjectApi.makeApiClient(config);
  }

  /**
   * client-node is loaded with the first client, not with this module: a process that only
   * watches nodes (`kaas monitor`) reaches this module through the providers but never needs it.
   */
  static async fromKubeconfig(kubeconfig: string): Promise<TenantKubeClient> {
    const k8s = await import('@kubernetes/client-node');
    const config = new k8s.KubeConfig();
    config.loadFromString(kubeconfig);
    return new TenantKubeClient(config, k8s);
  }

  /**
   * For kubeadm clusters, whose etcd runs on the control-plane machines: removes a node's etcd
   * member through another member, reached with the API server's exec. Providers of such
   * clusters expose this as TenantCluster.removeEtcdMember.
   */
  async removeStackedEtcdMember(nodeName: string): Promise<void> {
    const pods = await this.core.listNamespacedPod({
      namespace: 'kube-system',
      labelSelector: 'component=etcd,tier=control-plane',
    });
    const running = pods.items
      .filter((p) => p.status?.phase === 'Running')
      .map((p) => p.metadata!.name!);
    await removeEtcdMember(apiServerExec(this.config), running, nodeName);
  }

  /** The server's version, or null while it does not answer. */
  async serverVersion(): Promise<string | null> {
    try {
      return (await this.version.getCode()).gitVersion;
    } catch (error) {
      if (isUnreachable(error)) return null;
      throw error;
    }
  }

  async waitForApi(timeoutMs: number): Promise<string> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const version = await this.serverVersion().catch(() => null);
      if (version) return version;
      if (Date.now() > deadline)
        throw new Error(`the API server did not answer within ${timeoutMs} ms`);
      await sleep(250);
    }
  }

  async listNodes(): Promise<TenantNode[] | null> {
    try {
      const list = await this.core.listNode();
      return list.items.map(toTenantNode);
    } catch (error) {
      if (isUnreachable(error)) return null;
      throw error;
    }
  }

  async cordon(nodeName: string): Promise<void> {
    try {
      await this.core.patchNode(
        { name: nodeName, body: { spec: { unschedulable: true } } },
        this.k8s.setHeaderOptions('Content-Type', this.k8s.PatchStrategy.MergePatch),
      );
    } catch (error) {
      if (!isNotFound(error)) throw error;
    }
  }

  /**
   * Evicts every pod on the node except DaemonSet and mirror pods, honouring
   * PodDisruptionBudgets, until the node is empty or the timeout passes. Pods whose eviction
   * a budget refuses are reported as namespace/name.
   */
  async drain(nodeName: string, options: { timeoutMs: number }): Promise<DrainResult> {
    const deadline = Date.now() + options.timeoutMs;
    for (;;) {
      const pods = (await this.podsOn(nodeName)).filter(isEvictable);
      if (pods.length === 0) return { drained: true, blockedBy: [] };
      const blockedBy: string[] = [];
      for (const pod of pods) {
        if (pod.metadata?.deletionTimestamp) {
          await this.forceDeleteIfStuck(pod);
          continue;
        }
        const refused = await this.evict(pod);
        if (refused) blockedBy.push(`${pod.metadata!.namespace}/${pod.metadata!.name}`);
      }
      if (Date.now() >= deadline) {
        const terminating = pods
          .filter((p) => p.metadata?.deletionTimestamp)
          .map((p) => `${p.metadata!.namespace}/${p.metadata!.name}`);
        return { drained: false, blockedBy: blockedBy.sort(), terminating: terminating.sort() };
      }
      await sleep(Math.min(500, Math.max(0, deadline - Date.now())));
    }
  }

  /**
   * An evicted pod whose kubelet never confirms it (an unreachable or dead node) would hold the
   * drain forever; past its deletion deadline plus a margin it is removed without waiting.
   */
  private async forceDeleteIfStuck(pod: V1Pod): Promise<void> {
    const due = new Date(pod.metadata!.deletionTimestamp!).getTime() + STUCK_TERMINATING_MARGIN_MS;
    if (Date.now() < due) return;
    try {
      await this.core.deleteNamespacedPod({
        name: pod.metadata!.name!,
        namespace: pod.metadata!.namespace!,
        gracePeriodSeconds: 0,
      });
    } catch (error) {
      if (!isNotFound(error)) throw error;
    }
  }

  async deleteNode(nodeName: string): Promise<void> {
    try {
      await this.core.deleteNode({ name: nodeName });
    } catch (error) {
      if (!isNotFound(error)) throw error;
    }
  }

  /**
   * A bootstrap token as kubeadm reads it: a `bootstrap-token-<id>` Secret in kube-system that
   * may authenticate joins and sign the cluster-info ConfigMap, expiring after `ttlSeconds`.
   */
  async createBootstrapToken(ttlSeconds: number, description = 'kaas node join'): Promise<string> {
    const { id, secret, token } = generateBootstrapToken();
    await this.core.createNamespacedSecret({
      namespace: 'kube-system',
      body: {
        metadata: { name: `bootstrap-token-${id}`, namespace: 'kube-system' },
        type: 'bootstrap.kubernetes.io/token',
        stringData: {
          description,
          'token-id': id,
          'token-secret': secret,
          expiration: new Date(Date.now() + ttlSeconds * 1000)
            .toISOString()
            .replace(/\.\d{3}Z$/, 'Z'),
          'usage-bootstrap-authentication': 'true',
          'usage-bootstrap-signing': 'true',
          'auth-extra-groups': 'system:bootstrappers:kubeadm:default-node-token',
        },
      },
    });
    return token;
  }

  async close(): Promise<void> {
    // Requests are not pooled per client; nothing to release.
  }

  private async podsOn(nodeName: string): Promise<V1Pod[]> {
    const list = await this.core.listPodForAllNamespaces({
      fieldSelector: `spec.nodeName=${nodeName}`,
    });
    return list.items;
  }

  /** Asks for an eviction; true when a PodDisruptionBudget refused it (HTTP 429). */
  private async evict(pod: V1Pod): Promise<boolean> {
    const name = pod.metadata!.name!;
    const namespace = pod.metadata!.namespace!;
    try {
      await this.core.createNamespacedPodEviction({
        name,
        namespace,
        body: { apiVersion: 'policy/v1', kind: 'Eviction', metadata: { name, namespace } },
      });
      return false;
    } catch (error) {
      const status = kubeStatus(error);
      if (status === 429) return true;
      if (status === 404) return false;
      throw new Error(`eviction of ${namespace}/${name} failed: ${kubeMessage(error)}`, {
        cause: error,
      });
    }
  }
}

/** DaemonSet pods come back anyway and mirror pods cannot be evicted: drains leave both. */
function isEvictable(pod: V1Pod): boolean {
  const owners = pod.metadata?.ownerReferences ?? [];
  if (owners.some((o) => o.kind === 'DaemonSet')) return false;
  if (pod.metadata?.annotations?.['kubernetes.io/config.mirror']) return false;
  const phase = pod.status?.phase;
  return phase !== 'Succeeded' && phase !== 'Failed';
}

export type { KubernetesObject };
