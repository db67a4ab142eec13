import type { ClusterSpec } from '../../domain/cluster.js';
import type { FieldProblem } from '../../domain/errors.js';
import { resolveKubernetesVersion } from '../../domain/versions.js';
import { kubeletMaySetLabel } from '../../bootstrap/kubeadm-config.js';
import { pinnedImage, pinnedVersions, type KindNodeImage } from './kind-images.js';

const ONE_FLAVOR = 'kind nodes have one flavor: standard';

/**
 * What kind cannot do with a spec, whatever the tools: versions without a pinned image,
 * flavors and GPUs (nodes are plain containers), labels the kubelet may not set on its own
 * node, and any change to the control plane after creation.
 */
export function kindSpecProblems(
  spec: ClusterSpec,
  current: ClusterSpec | undefined,
  images: Readonly<Record<string, KindNodeImage>>,
): FieldProblem[] {
  const problems: FieldProblem[] = [];
  const version = (v: string) =>
    resolveKubernetesVersion(v, pinnedVersions(images)) ?? v.replace(/^v/, '');
  imageProblem(images, version(spec.kubernetesVersion), 'spec.kubernetesVersion', problems);
  if (spec.controlPlane.flavor !== 'standard')
    problems.push({ field: 'spec.controlPlane.flavor', message: ONE_FLAVOR });
  spec.nodePools.forEach((pool, i) => {
    const field = `spec.nodePools[${i}]`;
    if (pool.version !== undefined)
      imageProblem(images, version(pool.version), `${field}.version`, problems);
    if (pool.flavor !== 'standard')
      problems.push({ field: `${field}.flavor`, message: ONE_FLAVOR });
    if (pool.gpu)
      problems.push({ field: `${field}.gpu`, message: 'kind nodes are containers without GPUs' });
    for (const key of Object.keys(pool.labels).filter((k) => !kubeletMaySetLabel(k))) {
      problems.push({
        field: `${field}.labels`,
        message: `the kubelet may not set label "${key}" on its own node`,
      });
    }
  });
  if (current) problems.push(...controlPlaneChanges(current, spec, version));
  return problems;
}

/** kind fixes the control plane at creation: its version and size cannot change afterwards. */
function controlPlaneChanges(
  current: ClusterSpec,
  next: ClusterSpec,
  version: (v: string) => string,
): FieldProblem[] {
  const problems: FieldProblem[] = [];
  const from = version(current.kubernetesVersion);
  if (from !== version(next.kubernetesVersion)) {
    problems.push({
      field: 'spec.kubernetesVersion',
      message: `kind can neither upgrade its control-plane containers in place nor replace them, so the control plane stays on ${from}; upgrade worker pools up to ${from}, or create a new cluster on the new version`,
    });
  }
  if (current.controlPlane.replicas !== next.controlPlane.replicas) {
    problems.push({
      field: 'spec.controlPlane.replicas',
      message: 'kind cannot add or remove control-plane nodes after creation',
    });
  }
  return problems;
}

function imageProblem(
  images: Readonly<Record<string, KindNodeImage>>,
  v: string,
  field: string,
  problems: FieldProblem[],
): void {
  const entry = images[v];
  if (pinnedImage(entry)) return;
  const pinned = pinnedVersions(images);
  problems.push({
    field,
    message:
      `no kindest/node image pinned by digest is known for Kubernetes ${v}` +
      (entry ? ` (${entry.source})` : '') +
      `; kind clusters run ${pinned.length > 0 ? pinned.join(', ') : 'no version yet'}` +
      `; set KAAS_KIND_NODE_IMAGES=kindest/node:v${v}@sha256:<digest from kind's release notes> to pin another`,
  });
}
