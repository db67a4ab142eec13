import type { ClusterSpec, NodePoolSpec } from '../../domain/cluster.js';
import { resolveKubernetesVersion } from '../../domain/versions.js';
import { toYaml } from '../../bootstrap/yaml.js';

export const KIND_CONFIG_API_VERSION = 'kind.x-k8s.io/v1alpha4';

/** One node kind will create, under the container name kind gives it. */
export interface KindNodeLayout {
  container: string;
  role: 'control-plane' | 'worker';
  pool?: string;
  version: string;
}

export interface RenderedKindConfig {
  yaml: string;
  nodes: KindNodeLayout[];
}

/** A version's pinned image reference, or undefined when there is none. */
export type ImageFor = (version: string) => string | undefined;

/**
 * The kind cluster config for a spec: the control-plane nodes, a worker per pool replica with
 * the pool's labels (and its taints through a JoinConfiguration patch, as kind has no taint
 * field), every node on its pinned image, the spec's pod and service CIDRs and the API server
 * on 127.0.0.1 at a port Docker picks.
 */
export function renderKindConfig(
  name: string,
  spec: ClusterSpec,
  imageFor: ImageFor,
  versions?: readonly string[],
): RenderedKindConfig {
  const resolved = (v: string) => resolveKubernetesVersion(v, versions) ?? v.replace(/^v/, '');
  const controlPlaneVersion = resolved(spec.kubernetesVersion);
  const nodes: Record<string, unknown>[] = [];
  const layout: KindNodeLayout[] = [];
  for (let i = 0; i < spec.controlPlane.replicas; i++) {
    nodes.push({ role: 'control-plane', image: requireImage(imageFor, controlPlaneVersion) });
    layout.push({
      container: kindNodeName(name, 'control-plane', i),
      role: 'control-plane',
      version: controlPlaneVersion,
    });
  }
  let workers = 0;
  for (const pool of spec.nodePools) {
    const version = resolved(pool.version ?? spec.kubernetesVersion);
    for (let i = 0; i < pool.replicas; i++) {
      nodes.push(workerNode(pool, requireImage(imageFor, version)));
      layout.push({
        container: kindNodeName(name, 'worker', workers++),
        role: 'worker',
        pool: pool.name,
        version,
      });
    }
  }
  const config = {
    kind: 'Cluster',
    apiVersion: KIND_CONFIG_API_VERSION,
    name,
    networking: {
      apiServerAddress: '127.0.0.1',
      apiServerPort: 0,
      podSubnet: spec.network.podCidr,
      serviceSubnet: spec.network.serviceCidr,
    },
    nodes,
  };
  return { yaml: toYaml(config), nodes: layout };
}

/** Container names as kind gives them: `<cluster>-<role>`, then `<cluster>-<role>2`, ... */
export function kindNodeName(
  cluster: string,
  role: 'control-plane' | 'worker',
  index: number,
): string {
  return `${cluster}-${role}${index === 0 ? '' : String(index + 1)}`;
}

/** The label every pool's nodes carry, so workloads (and kaas) can tell pools apart. */
export const POOL_LABEL = 'kaas.dev/pool';

function workerNode(pool: NodePoolSpec, image: string): Record<string, unknown> {
  const labels = { ...pool.labels, [POOL_LABEL]: pool.name };
  const node: Record<string, unknown> = { role: 'worker', image, labels };
  if (pool.taints.length > 0) {
    node.kubeadmConfigPatches = [
      toYaml({
        kind: 'JoinConfiguration',
        nodeRegistration: {
          taints: pool.taints.map((t) => ({
            key: t.key,
            ...(t.value !== undefined ? { value: t.value } : {}),
            effect: t.effect,
          })),
        },
      }),
    ];
  }
  return node;
}

function requireImage(imageFor: ImageFor, version: string): string {
  const image = imageFor(version);
  if (!image)
    throw new Error(`no kindest/node image with a digest is known for Kubernetes ${version}`);
  return image;
}
