import {
  PatchStrategy,
  setHeaderOptions,
  type CoreV1Api,
  type NetworkingV1Api,
  type V1Ingress,
} from '@kubernetes/client-node';
import { isNotFound } from '../kube/kube-errors.js';
import type { IngressReason, IngressRef } from './ingress-model.js';

export const EVENT_SOURCE = 'kaas-ingress-v2';

/** True when the Ingress already reports exactly this address. */
export function reportsAddress(ingress: V1Ingress, address: string): boolean {
  const current = ingress.status?.loadBalancer?.ingress ?? [];
  return current.length === 1 && current[0]?.ip === address && !current[0]?.hostname;
}

/**
 * Writes what users see of the controller: the address in `status.loadBalancer.ingress`, and
 * Events on the Ingress that explain what went wrong. An Event is recorded once per message
 * while it stays the same, so a reconcile every few seconds does not flood the namespace.
 */
export class IngressReporter {
  private readonly recorded = new Map<string, string>();

  constructor(
    private readonly core: CoreV1Api,
    private readonly networking: NetworkingV1Api,
  ) {}

  async publishAddress(ingress: V1Ingress, address: string): Promise<void> {
    if (reportsAddress(ingress, address)) return;
    try {
      await this.networking.patchNamespacedIngressStatus(
        {
          name: ingress.metadata!.name!,
          namespace: ingress.metadata!.namespace!,
          body: { status: { loadBalancer: { ingress: [{ ip: address }] } } },
        },
        setHeaderOptions('Content-Type', PatchStrategy.MergePatch),
      );
    } catch (error) {
      if (!isNotFound(error)) throw error;
    }
  }

  async event(
    ingress: IngressRef & { uid?: string },
    type: 'Normal' | 'Warning',
    reason: IngressReason,
    message: string,
  ): Promise<void> {
    const id = `${ingress.namespace}/${ingress.name} ${reason}`;
    if (this.recorded.get(id) === message) return;
    this.recorded.set(id, message);
    const now = new Date();
    await this.core.createNamespacedEvent({
      namespace: ingress.namespace,
      body: {
        metadata: { generateName: `${ingress.name}.`, namespace: ingress.namespace },
        involvedObject: {
          apiVersion: 'networking.k8s.io/v1',
          kind: 'Ingress',
          namespace: ingress.namespace,
          name: ingress.name,
          ...(ingress.uid ? { uid: ingress.uid } : {}),
        },
        type,
        reason,
        message: message.slice(0, 1024),
        source: { component: EVENT_SOURCE },
        reportingComponent: EVENT_SOURCE,
        reportingInstance: EVENT_SOURCE,
        firstTimestamp: now,
        lastTimestamp: now,
        count: 1,
      },
    });
  }

  /** A later, different failure of the same kind is recorded again. */
  forget(ingress: IngressRef): void {
    const prefix = `${ingress.namespace}/${ingress.name} `;
    for (const id of this.recorded.keys()) if (id.startsWith(prefix)) this.recorded.delete(id);
  }
}
