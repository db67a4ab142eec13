import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { ApiextensionsV1Api, type KubernetesObject } from '@kubernetes/client-node';
import { AddonInstaller } from '../../src/addons/addon-installer.js';
import { ObjectApplier } from '../../src/addons/object-applier.js';
import { TenantKubeClient } from '../../src/kube/tenant-client.js';
import { isNotFound } from '../../src/kube/kube-errors.js';
import type { ObjectRef } from '../../src/kube/object-ref.js';
import { startKwokCluster } from '../support/kwok.js';

const crd = (kind: string): KubernetesObject =>
  ({
    apiVersion: 'apiextensions.k8s.io/v1',
    kind: 'CustomResourceDefinition',
    metadata: { name: `${kind.toLowerCase()}s.test.kaas.dev` },
    spec: {
      group: 'test.kaas.dev',
      scope: 'Namespaced',
      names: { kind, plural: `${kind.toLowerCase()}s`, singular: kind.toLowerCase() },
      versions: [
        {
          name: 'v1',
          served: true,
          storage: true,
          schema: {
            openAPIV3Schema: {
              type: 'object',
              properties: {
                spec: { type: 'object', 'x-kubernetes-preserve-unknown-fields': true },
              },
            },
          },
        },
      ],
    },
  }) as KubernetesObject;

const namespace = 'demo-system';
const rendered = {
  objects: [
    { apiVersion: 'v1', kind: 'Namespace', metadata: { name: namespace } },
    crd('Widget'),
    crd('Gadget'),
    {
      apiVersion: 'v1',
      kind: 'ConfigMap',
      metadata: { name: 'settings', namespace },
      data: { a: '1' },
    },
    {
      apiVersion: 'v1',
      kind: 'ConfigMap',
      metadata: { name: 'adopted', namespace },
      data: { b: '2' },
    },
  ],
  afterReady: [
    {
      apiVersion: 'test.kaas.dev/v1',
      kind: 'Widget',
      metadata: { name: 'w', namespace },
      spec: {},
    },
  ] as unknown as KubernetesObject[],
  gates: [],
};

/** The installer's inventory against a real API server: what it applies, and what it deletes. */
describe('add-on installer on a real API server', () => {
  let cluster: Awaited<ReturnType<typeof startKwokCluster>>;
  let inventory: ObjectRef[];
  const installer = new AddonInstaller(new ObjectApplier(), { timeoutMs: 60_000 });

  beforeAll(async () => {
    cluster = await startKwokCluster();
  });

  afterAll(async () => {
    await cluster?.stop();
  });

  it('labels what it applies and records every object before applying', async () => {
    const tracked: ObjectRef[][] = [];
    inventory = await installer.install(cluster.client, 'demo', rendered, [], async (refs) => {
      tracked.push(refs);
    });
    expect(tracked).toEqual([inventory]);
    expect(inventory.map((r) => `${r.kind}/${r.name}`)).toEqual([
      'Namespace/demo-system',
      'CustomResourceDefinition/widgets.test.kaas.dev',
      'CustomResourceDefinition/gadgets.test.kaas.dev',
      'ConfigMap/settings',
      'ConfigMap/adopted',
      'Widget/w',
    ]);
    const settings = await cluster.client.core.readNamespacedConfigMap({
      name: 'settings',
      namespace,
    });
    expect(settings.metadata!.labels).toEqual({ 'kaas.dev/addon': 'demo' });
  });

  it('removes only objects still labelled for the add-on, even a kind the server stopped serving', async () => {
    const { core } = cluster.client;
    await core.createNamespacedConfigMap({ namespace, body: { metadata: { name: 'mine' } } });
    // Someone took this one over: it no longer carries the add-on's label.
    await core.patchNamespacedConfigMap({
      name: 'adopted',
      namespace,
      body: [{ op: 'remove', path: '/metadata/labels' }],
    });
    // The Widget kind goes while Gadget keeps test.kaas.dev/v1 served.
    const crds = cluster.client.config.makeApiClient(ApiextensionsV1Api);
    await crds.deleteCustomResourceDefinition({ name: 'widgets.test.kaas.dev' });
    for (;;) {
      const left = await crds.readCustomResourceDefinition({ name: 'widgets.test.kaas.dev' }).then(
        () => true,
        (e: unknown) => !isNotFound(e),
      );
      if (!left) break;
      await new Promise((r) => setTimeout(r, 200));
    }

    const fresh = await TenantKubeClient.fromKubeconfig(cluster.kubeconfig);
    await installer.remove(fresh, 'demo', inventory);

    const exists = (read: () => Promise<unknown>) =>
      read().then(
        () => true,
        (e: unknown) => (isNotFound(e) ? false : Promise.reject(e)),
      );
    expect(await exists(() => core.readNamespacedConfigMap({ name: 'settings', namespace }))).toBe(
      false,
    );
    expect(
      await exists(() => crds.readCustomResourceDefinition({ name: 'gadgets.test.kaas.dev' })),
    ).toBe(false);
    expect(await exists(() => core.readNamespacedConfigMap({ name: 'adopted', namespace }))).toBe(
      true,
    );
    expect(await exists(() => core.readNamespacedConfigMap({ name: 'mine', namespace }))).toBe(
      true,
    );
    const ns = await core.readNamespace({ name: namespace });
    expect(ns.metadata!.deletionTimestamp).toBeUndefined();
  });
});
