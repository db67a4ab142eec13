import type { TenantKubeClient } from '../kube/tenant-client.js';
import { ADDON_LABEL } from './labels.js';

interface Listed {
  metadata?: {
    name?: string;
    labels?: Record<string, string>;
    ownerReferences?: unknown[];
    deletionTimestamp?: Date;
  };
  type?: string;
}

/** What the API server itself puts in every namespace. */
const SYSTEM_OBJECTS: Record<string, string[]> = {
  ConfigMap: ['kube-root-ca.crt'],
  ServiceAccount: ['default'],
};

/**
 * Whether a namespace an add-on created still holds anything that is not the add-on's: then it
 * is kept. Looks at the kinds people put in namespaces; pods owned by a controller belong to it.
 */
export async function namespaceHoldsOthers(
  client: TenantKubeClient,
  namespace: string,
  addon: string,
): Promise<boolean> {
  const { core, apps } = client;
  const lists: [string, Promise<{ items: Listed[] }>][] = [
    ['ConfigMap', core.listNamespacedConfigMap({ namespace })],
    ['Secret', core.listNamespacedSecret({ namespace })],
    ['Service', core.listNamespacedService({ namespace })],
    ['ServiceAccount', core.listNamespacedServiceAccount({ namespace })],
    ['PersistentVolumeClaim', core.listNamespacedPersistentVolumeClaim({ namespace })],
    ['Pod', core.listNamespacedPod({ namespace })],
    ['Deployment', apps.listNamespacedDeployment({ namespace })],
    ['StatefulSet', apps.listNamespacedStatefulSet({ namespace })],
    ['DaemonSet', apps.listNamespacedDaemonSet({ namespace })],
  ];
  for (const [kind, list] of lists) {
    const items = (await list).items.filter((item) => {
      const meta = item.metadata ?? {};
      if (meta.deletionTimestamp) return false;
      if (meta.labels?.[ADDON_LABEL] === addon) return false;
      if (SYSTEM_OBJECTS[kind]?.includes(meta.name ?? '')) return false;
      if (kind === 'Pod' && (meta.ownerReferences?.length ?? 0) > 0) return false;
      return !(kind === 'Secret' && item.type === 'kubernetes.io/service-account-token');
    });
    if (items.length > 0) return true;
  }
  return false;
}
