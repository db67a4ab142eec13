import type { KubernetesObject } from '@kubernetes/client-node';
import { parseManifests } from '../kube/apply.js';
import type { ResolvedAddon } from './resolve.js';

/** What must be true before an add-on counts as Healthy. */
export type HealthGate =
  | { kind: 'Deployment' | 'DaemonSet' | 'StatefulSet'; namespace: string; name: string }
  | { kind: 'ClusterPolicy'; name: string };

export interface RenderedAddon {
  /** Applied first (namespaces and CRDs ahead of the rest), then the gates are waited for. */
  objects: KubernetesObject[];
  /** Configuration objects whose admission needs the add-on's own controller running. */
  afterReady: KubernetesObject[];
  gates: HealthGate[];
}

export interface RenderInput {
  addon: ResolvedAddon;
  artefacts: Map<string, Buffer>;
  kubernetesVersion: string;
  /** What a provider supplies for its variant (the OpenStack application credential). */
  providerInputs?: Record<string, string>;
  helmBinary: () => string;
}

export type Renderer = (input: RenderInput) => Promise<RenderedAddon>;

/** Kinds that never live in a namespace; custom kinds are looked up in the rendered CRDs. */
const CLUSTER_SCOPED = new Set([
  'Namespace',
  'CustomResourceDefinition',
  'ClusterRole',
  'ClusterRoleBinding',
  'PriorityClass',
  'StorageClass',
  'IngressClass',
  'RuntimeClass',
  'ValidatingWebhookConfiguration',
  'MutatingWebhookConfiguration',
  'ValidatingAdmissionPolicy',
  'ValidatingAdmissionPolicyBinding',
  'APIService',
  'PersistentVolume',
  'CSIDriver',
  'Node',
]);

const WEBHOOK_KINDS = new Set(['ValidatingWebhookConfiguration', 'MutatingWebhookConfiguration']);

export function manifestObjects(input: RenderInput, file: string): KubernetesObject[] {
  const bytes = input.artefacts.get(file);
  if (!bytes) throw new Error(`artefact ${file} was not fetched`);
  return parseManifests(bytes.toString('utf8'));
}

/**
 * What every renderer's output gets: the variant's namespace created and set on namespaced
 * objects that name none, unreachable webhooks dropped where the variant says so, and a health
 * gate for every workload.
 */
export function finishRender(input: RenderInput, rendered: RenderedAddon): RenderedAddon {
  const { variant } = input.addon;
  const all = [...rendered.objects, ...rendered.afterReady];
  const clusterScopedCustom = new Set(
    all
      .filter((o) => o.kind === 'CustomResourceDefinition')
      .map((o) => o as KubernetesObject & { spec?: { scope?: string; names?: { kind?: string } } })
      .filter((crd) => crd.spec?.scope === 'Cluster')
      .map((crd) => crd.spec?.names?.kind ?? ''),
  );
  const namespaced = (o: KubernetesObject) =>
    !CLUSTER_SCOPED.has(o.kind ?? '') && !clusterScopedCustom.has(o.kind ?? '');
  const place = (o: KubernetesObject): KubernetesObject =>
    namespaced(o) && !o.metadata?.namespace
      ? { ...o, metadata: { ...o.metadata, namespace: variant.namespace } }
      : o;
  let objects = rendered.objects.map(place);
  if (variant.dropAdmissionWebhooks)
    objects = objects.filter((o) => !WEBHOOK_KINDS.has(o.kind ?? ''));
  const hasNamespace = objects.some(
    (o) => o.kind === 'Namespace' && o.metadata?.name === variant.namespace,
  );
  if (!hasNamespace && !['kube-system', 'default'].includes(variant.namespace)) {
    objects = [
      { apiVersion: 'v1', kind: 'Namespace', metadata: { name: variant.namespace } },
      ...objects,
    ];
  }
  const workloads: HealthGate[] = objects
    .filter((o) => ['Deployment', 'DaemonSet', 'StatefulSet'].includes(o.kind ?? ''))
    .map((o) => ({
      kind: o.kind as 'Deployment' | 'DaemonSet' | 'StatefulSet',
      namespace: o.metadata!.namespace!,
      name: o.metadata!.name!,
    }));
  return {
    objects,
    afterReady: rendered.afterReady.map(place),
    gates: [...workloads, ...rendered.gates],
  };
}
