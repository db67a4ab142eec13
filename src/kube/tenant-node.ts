import type { V1Node } from '@kubernetes/client-node';
import type { TenantNode } from '../providers/infrastructure-provider.js';

/** What kaas keeps of a node: its name, whether it is Ready and since when, and if cordoned. */
export function toTenantNode(node: V1Node): TenantNode {
  const ready = node.status?.conditions?.find((c) => c.type === 'Ready');
  return {
    name: node.metadata!.name!,
    ready: ready?.status === 'True',
    ...(ready?.lastTransitionTime
      ? { readySince: new Date(ready.lastTransitionTime).toISOString() }
      : {}),
    unschedulable: node.spec?.unschedulable === true,
  };
}
