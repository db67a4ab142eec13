import type { KubernetesObject } from '@kubernetes/client-node';
import { sleep } from '../common/concurrency.js';
import { TransientError } from '../domain/errors.js';
import { waitForCrdsEstablished, waitForRollout } from '../kube/apply.js';
import { isNotFound, kubeMessage } from '../kube/kube-errors.js';
import { describeRef, refKey, refOf, type ObjectRef } from '../kube/object-ref.js';
import type { TenantKubeClient } from '../kube/tenant-client.js';
import type { ObjectApplier } from './object-applier.js';
import type { HealthGate, RenderedAddon } from './render.js';
import { namespaceHoldsOthers } from './namespace-contents.js';
import { ADDON_LABEL } from './labels.js';

export { ADDON_LABEL };

export interface InstallerOptions {
  /** How long CRDs and health gates may take, per install. */
  timeoutMs: number;
  pollMs?: number;
}

const FIRST_KINDS = ['Namespace', 'CustomResourceDefinition'];

/**
 * Installs, upgrades and removes one add-on in a tenant cluster. What it applies is labelled and
 * recorded in an inventory before it is applied, so a removal (or an upgrade's prune) deletes
 * exactly the objects kaas made for that add-on and nothing a user made beside them.
 */
export class AddonInstaller {
  constructor(
    private readonly applier: ObjectApplier,
    private readonly options: InstallerOptions,
  ) {}

  /**
   * Applies namespaces and CRDs, waits for the CRDs, applies the rest, waits for the health
   * gates, then applies the objects that need the add-on running; last, prunes what the
   * previous version had and this one has not. `track` is told the inventory before any apply.
   */
  async install(
    client: TenantKubeClient,
    addon: string,
    rendered: RenderedAddon,
    previous: ObjectRef[],
    track: (inventory: ObjectRef[]) => Promise<void>,
  ): Promise<ObjectRef[]> {
    const label = (o: KubernetesObject): KubernetesObject => ({
      ...o,
      metadata: { ...o.metadata, labels: { ...o.metadata?.labels, [ADDON_LABEL]: addon } },
    });
    const objects = rendered.objects.map(label);
    const afterReady = rendered.afterReady.map(label);
    const first = objects.filter((o) => FIRST_KINDS.includes(o.kind ?? ''));
    const rest = objects.filter((o) => !FIRST_KINDS.includes(o.kind ?? ''));
    const inventory = [...first, ...rest, ...afterReady].map(refOf);
    const keys = new Set(inventory.map(refKey));
    await track([...inventory, ...previous.filter((r) => !keys.has(refKey(r)))]);

    const deadline = Date.now() + this.options.timeoutMs;
    for (const object of first) await this.applier.apply(client, object);
    const crds = first.filter((o) => o.kind === 'CustomResourceDefinition');
    if (crds.length > 0) {
      await waitForCrdsEstablished(
        client,
        crds.map((c) => c.metadata!.name!),
        Math.max(1, deadline - Date.now()),
      ).catch(rethrowTransient);
    }
    for (const object of rest) await this.applier.apply(client, object);
    for (const gate of rendered.gates) await this.waitForGate(client, gate, deadline);
    for (const object of afterReady) await this.applier.apply(client, object);
    await this.deleteOwned(
      client,
      addon,
      previous.filter((r) => !keys.has(refKey(r))),
      deadline,
    );
    return inventory;
  }

  /** Deletes the inventory in reverse order of apply; namespaces last, and only when empty of others. */
  async remove(client: TenantKubeClient, addon: string, inventory: ObjectRef[]): Promise<void> {
    await this.deleteOwned(client, addon, inventory, Date.now() + this.options.timeoutMs);
  }

  private async deleteOwned(
    client: TenantKubeClient,
    addon: string,
    refs: ObjectRef[],
    deadline: number,
  ): Promise<void> {
    const ordered = [...refs].reverse();
    const namespaces = ordered.filter((r) => r.kind === 'Namespace');
    const others = ordered.filter((r) => r.kind !== 'Namespace');
    const deleted: ObjectRef[] = [];
    for (const ref of others) {
      if (await this.deleteIfOwned(client, addon, ref)) deleted.push(ref);
    }
    for (const ref of deleted) await this.waitGone(client, ref, deadline);
    for (const ref of namespaces) {
      if (await namespaceHoldsOthers(client, ref.name, addon)) continue;
      await this.deleteIfOwned(client, addon, ref);
    }
  }

  /** Deletes the object only while it still carries this add-on's label. */
  private async deleteIfOwned(
    client: TenantKubeClient,
    addon: string,
    ref: ObjectRef,
  ): Promise<boolean> {
    const spec = header(ref);
    try {
      const live = await client.objects.read(spec);
      if (live.metadata?.labels?.[ADDON_LABEL] !== addon) return false;
      await client.objects.delete(spec, undefined, undefined, undefined, undefined, 'Background');
      return true;
    } catch (error) {
      if (isGone(error)) return false;
      throw new TransientError(
        `delete of ${describeRef(ref)}: ${kubeMessage(error)}`,
        'DeleteFailed',
      );
    }
  }

  private async waitGone(
    client: TenantKubeClient,
    ref: ObjectRef,
    deadline: number,
  ): Promise<void> {
    for (;;) {
      try {
        await client.objects.read(header(ref));
      } catch (error) {
        if (isGone(error)) return;
        throw new TransientError(`${describeRef(ref)}: ${kubeMessage(error)}`, 'DeleteFailed');
      }
      if (Date.now() > deadline)
        throw new TransientError(`${describeRef(ref)} is still there`, 'DeleteTimedOut');
      await sleep(this.options.pollMs ?? 250);
    }
  }

  private async waitForGate(
    client: TenantKubeClient,
    gate: HealthGate,
    deadline: number,
  ): Promise<void> {
    const left = Math.max(1, deadline - Date.now());
    if (gate.kind === 'ClusterPolicy') {
      await this.waitForClusterPolicy(client, gate.name, deadline);
      return;
    }
    await waitForRollout(client, gate.kind, gate.namespace, gate.name, left).catch(
      rethrowTransient,
    );
  }

  /** The GPU operator reports `status.state: ready` on its ClusterPolicy once it has done its work. */
  private async waitForClusterPolicy(
    client: TenantKubeClient,
    name: string,
    deadline: number,
  ): Promise<void> {
    for (;;) {
      const policy = await client.objects
        .read({ apiVersion: 'nvidia.com/v1', kind: 'ClusterPolicy', metadata: { name } })
        .catch((error: unknown) => {
          if (isNotFound(error)) return undefined;
          throw error;
        });
      const state =
        (policy as { status?: { state?: string } } | undefined)?.status?.state ?? 'none';
      if (state === 'ready') return;
      if (Date.now() > deadline)
        throw new TransientError(
          `ClusterPolicy ${name} is not ready (state ${state})`,
          'HealthGateTimedOut',
        );
      await sleep(this.options.pollMs ?? 250);
    }
  }
}

/**
 * Not found, or of a kind the server no longer serves (its CRD was just deleted, while other
 * kinds of the same group-version remain): either way no such object exists.
 */
function isGone(error: unknown): boolean {
  return (
    isNotFound(error) ||
    (error instanceof Error && error.message.startsWith('Unrecognized API version and kind'))
  );
}

function header(ref: ObjectRef) {
  return {
    apiVersion: ref.apiVersion,
    kind: ref.kind,
    metadata: { name: ref.name, ...(ref.namespace ? { namespace: ref.namespace } : {}) },
  };
}

function rethrowTransient(error: unknown): never {
  if (error instanceof TransientError) throw error;
  throw new TransientError(error instanceof Error ? error.message : String(error), 'HealthGate');
}
