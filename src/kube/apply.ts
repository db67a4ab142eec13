import {
  ApiextensionsV1Api,
  PatchStrategy,
  loadAllYaml,
  type KubernetesObject,
} from '@kubernetes/client-node';
import { sleep } from '../common/concurrency.js';
import { FIELD_MANAGER, type TenantKubeClient } from './tenant-client.js';
import { isNotFound, kubeMessage } from './kube-errors.js';

export interface ApplyResult {
  applied: { apiVersion: string; kind: string; namespace?: string; name: string }[];
}

/** Parses multi-document YAML, dropping empty documents and flattening `List`s. */
export function parseManifests(yaml: string): KubernetesObject[] {
  // Rendered charts hold documents with nothing but comments, which loadAllYaml cannot take.
  const texts = yaml
    .split(/^---[ \t]*$/m)
    .filter((doc) => doc.split('\n').some((line) => line.trim() && !line.trim().startsWith('#')));
  const documents = texts
    .flatMap((doc) => loadAllYaml(doc))
    .filter((d): d is KubernetesObject => typeof d === 'object' && d !== null);
  return documents.flatMap((d) =>
    d.kind?.endsWith('List') && Array.isArray((d as { items?: unknown }).items)
      ? (d as { items: KubernetesObject[] }).items
      : [d],
  );
}

const isCrd = (o: KubernetesObject) => o.kind === 'CustomResourceDefinition';
const isNamespace = (o: KubernetesObject) => o.kind === 'Namespace';

/**
 * Server-side applies manifests with field manager `kaas`: namespaces and CRDs first, CRDs
 * waited until Established, then everything else in document order.
 */
export async function applyManifests(
  client: TenantKubeClient,
  yaml: string,
  options: { timeoutMs?: number; labels?: Record<string, string> } = {},
): Promise<ApplyResult> {
  const objects = parseManifests(yaml).map((o) => withLabels(o, options.labels));
  const first = objects.filter((o) => isNamespace(o) || isCrd(o));
  const rest = objects.filter((o) => !isNamespace(o) && !isCrd(o));
  const applied: ApplyResult['applied'] = [];
  for (const object of first) applied.push(await applyOne(client, object));
  const crds = first.filter(isCrd).map((o) => o.metadata!.name!);
  if (crds.length > 0) await waitForCrdsEstablished(client, crds, options.timeoutMs ?? 60_000);
  for (const object of rest) applied.push(await applyOne(client, object));
  return { applied };
}

/** Server-side apply of one object as field manager `kaas`, taking over conflicting fields. */
export async function serverSideApply(
  client: TenantKubeClient,
  object: KubernetesObject,
): Promise<void> {
  await client.objects.patch(
    object,
    undefined,
    undefined,
    FIELD_MANAGER,
    true,
    PatchStrategy.ServerSideApply,
  );
}

async function applyOne(client: TenantKubeClient, object: KubernetesObject) {
  try {
    await serverSideApply(client, object);
  } catch (error) {
    const where = `${object.metadata?.namespace ? `${object.metadata.namespace}/` : ''}${object.metadata?.name}`;
    throw new Error(`apply of ${object.kind} ${where}: ${kubeMessage(error)}`, { cause: error });
  }
  return {
    apiVersion: object.apiVersion!,
    kind: object.kind!,
    name: object.metadata!.name!,
    ...(object.metadata?.namespace ? { namespace: object.metadata.namespace } : {}),
  };
}

function withLabels(
  object: KubernetesObject,
  labels: Record<string, string> | undefined,
): KubernetesObject {
  if (!labels) return object;
  return {
    ...object,
    metadata: { ...object.metadata, labels: { ...object.metadata?.labels, ...labels } },
  };
}

export async function waitForCrdsEstablished(
  client: TenantKubeClient,
  names: string[],
  timeoutMs: number,
): Promise<void> {
  const api = client.config.makeApiClient(ApiextensionsV1Api);
  const deadline = Date.now() + timeoutMs;
  for (const name of names) {
    for (;;) {
      const crd = await api.readCustomResourceDefinition({ name }).catch((error: unknown) => {
        if (isNotFound(error)) return undefined;
        throw error;
      });
      const established = crd?.status?.conditions?.some(
        (c) => c.type === 'Established' && c.status === 'True',
      );
      if (established) break;
      if (Date.now() > deadline)
        throw new Error(
          `CustomResourceDefinition ${name} was not Established within ${timeoutMs} ms`,
        );
      await sleep(200);
    }
  }
}

export type RolloutKind = 'Deployment' | 'DaemonSet' | 'StatefulSet';

/** Waits until a workload's current generation is observed and all its replicas are available. */
export async function waitForRollout(
  client: TenantKubeClient,
  kind: RolloutKind,
  namespace: string,
  name: string,
  timeoutMs: number,
): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const state = await ROLLOUT_STATE[kind](client, namespace, name).catch((error: unknown) => {
      if (isNotFound(error)) return { done: false, message: 'not found' };
      throw error;
    });
    if (state.done) return;
    if (Date.now() > deadline)
      throw new Error(
        `${kind} ${namespace}/${name} not available within ${timeoutMs} ms: ${state.message}`,
      );
    await sleep(250);
  }
}

interface RolloutState {
  done: boolean;
  message: string;
}

function rollout(
  generation: number | undefined,
  observed: number | undefined,
  want: number,
  available: number,
  updated: number,
): RolloutState {
  const seen = (observed ?? 0) >= (generation ?? 0);
  return {
    done: seen && available >= want && updated >= want,
    message: `${available}/${want} available, ${updated} updated`,
  };
}

const ROLLOUT_STATE: Record<
  RolloutKind,
  (client: TenantKubeClient, namespace: string, name: string) => Promise<RolloutState>
> = {
  Deployment: async (client, namespace, name) => {
    const d = await client.apps.readNamespacedDeployment({ name, namespace });
    const s = d.status;
    return rollout(
      d.metadata?.generation,
      s?.observedGeneration,
      d.spec?.replicas ?? 1,
      s?.availableReplicas ?? 0,
      s?.updatedReplicas ?? 0,
    );
  },
  DaemonSet: async (client, namespace, name) => {
    const d = await client.apps.readNamespacedDaemonSet({ name, namespace });
    const s = d.status;
    return rollout(
      d.metadata?.generation,
      s?.observedGeneration,
      s?.desiredNumberScheduled ?? 0,
      s?.numberAvailable ?? 0,
      s?.updatedNumberScheduled ?? 0,
    );
  },
  StatefulSet: async (client, namespace, name) => {
    const d = await client.apps.readNamespacedStatefulSet({ name, namespace });
    const s = d.status;
    return rollout(
      d.metadata?.generation,
      s?.observedGeneration,
      d.spec?.replicas ?? 1,
      s?.availableReplicas ?? 0,
      s?.updatedReplicas ?? 0,
    );
  },
};
