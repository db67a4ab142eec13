import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { PolicyV1Api, type V1Pod } from '@kubernetes/client-node';
import { TenantKubeClient } from '../../src/kube/tenant-client.js';
import { NodeWatcher } from '../../src/kube/node-watcher.js';
import { endpointOf } from '../../src/kube/tenant-endpoint.js';
import { applyManifests, parseManifests, waitForRollout } from '../../src/kube/apply.js';
import { nodeFor } from '../../src/providers/kwok/node-template.js';
import { nodePoolSpecSchema } from '../../src/domain/cluster.js';
import { eventually } from '../support/http.js';
import { startKwokCluster } from '../support/kwok.js';

/** The tenant-cluster client against a real kube-apiserver, scheduler and controller manager. */
describe('tenant-cluster client on a real API server', () => {
  let cluster: Awaited<ReturnType<typeof startKwokCluster>>;
  let client: TenantKubeClient;

  beforeAll(async () => {
    cluster = await startKwokCluster();
    client = cluster.client;
    const pool = nodePoolSpecSchema.parse({ name: 'work', replicas: 2 });
    for (const name of ['node-a', 'node-b']) {
      await client.core.createNode({
        body: nodeFor('test', `kwok://test/${name}`, {
          name,
          role: 'worker',
          pool,
          version: '1.37.2',
          flavor: 'standard',
        }),
      });
    }
    await eventually(
      () => client.listNodes(),
      (nodes) => nodes?.filter((n) => n.ready).length === 2,
      30_000,
    );
  });

  afterAll(async () => {
    await cluster?.stop();
  });

  it('answers with the server version and lists nodes with readiness', async () => {
    expect(await client.serverVersion()).toBe('v1.37.2');
    const nodes = (await client.listNodes())!;
    expect(nodes.map((n) => [n.name, n.ready, n.unschedulable]).sort()).toEqual([
      ['node-a', true, false],
      ['node-b', true, false],
    ]);
  });

  it('reports an API server that does not answer as null, not as an error', async () => {
    const dead = await TenantKubeClient.fromKubeconfig(
      cluster.kubeconfig.replace(/server: https:\/\/[^\s]+/, 'server: https://127.0.0.1:1'),
    );
    expect(await dead.listNodes()).toBeNull();
    expect(await dead.serverVersion()).toBeNull();
  });

  it('applies multi-document YAML server-side, CRDs first and Established, then waits for the rollout', async () => {
    const yaml = `
apiVersion: apps/v1
kind: Deployment
metadata: { name: web, namespace: apply-test }
spec:
  replicas: 2
  selector: { matchLabels: { app: web } }
  template:
    metadata: { labels: { app: web } }
    spec: { containers: [{ name: web, image: nginx }] }
---
apiVersion: kaas.dev/v1alpha1
kind: Widget
metadata: { name: first, namespace: apply-test }
spec: { size: 3 }
---
apiVersion: v1
kind: Namespace
metadata: { name: apply-test }
---
apiVersion: apiextensions.k8s.io/v1
kind: CustomResourceDefinition
metadata: { name: widgets.kaas.dev }
spec:
  group: kaas.dev
  scope: Namespaced
  names: { plural: widgets, singular: widget, kind: Widget }
  versions:
    - name: v1alpha1
      served: true
      storage: true
      schema:
        openAPIV3Schema:
          type: object
          properties:
            spec: { type: object, properties: { size: { type: integer } } }
`;
    expect(parseManifests(yaml)).toHaveLength(4);
    const result = await applyManifests(client, yaml, {
      labels: { 'app.kubernetes.io/managed-by': 'kaas' },
    });
    expect(result.applied.map((a) => a.kind)).toEqual([
      'Namespace',
      'CustomResourceDefinition',
      'Deployment',
      'Widget',
    ]);
    await waitForRollout(client, 'Deployment', 'apply-test', 'web', 60_000);
    const widget = (await client.objects.read({
      apiVersion: 'kaas.dev/v1alpha1',
      kind: 'Widget',
      metadata: { name: 'first', namespace: 'apply-test' },
    })) as {
      spec: { size: number };
      metadata: { managedFields?: { manager: string }[]; labels?: Record<string, string> };
    };
    expect(widget.spec.size).toBe(3);
    expect(widget.metadata.managedFields?.map((f) => f.manager)).toContain('kaas');
    expect(widget.metadata.labels?.['app.kubernetes.io/managed-by']).toBe('kaas');
    // Applying again is a no-op, not a conflict.
    await expect(applyManifests(client, yaml)).resolves.toBeDefined();
  });

  it('cordons and drains through the Eviction API, reporting pods a PodDisruptionBudget protects', async () => {
    await applyManifests(
      client,
      `
apiVersion: v1
kind: Namespace
metadata: { name: drain-test }
---
apiVersion: v1
kind: Pod
metadata: { name: guarded, namespace: drain-test, labels: { app: guarded } }
spec: { nodeName: node-a, containers: [{ name: c, image: busybox }] }
---
apiVersion: v1
kind: Pod
metadata: { name: free, namespace: drain-test, labels: { app: free } }
spec: { nodeName: node-a, containers: [{ name: c, image: busybox }] }
---
apiVersion: policy/v1
kind: PodDisruptionBudget
metadata: { name: guard, namespace: drain-test }
spec: { minAvailable: 1, selector: { matchLabels: { app: guarded } } }
`,
    );
    await eventually(
      () => client.core.listNamespacedPod({ namespace: 'drain-test' }),
      (list) => list.items.filter((p: V1Pod) => p.status?.phase === 'Running').length === 2,
      30_000,
    );
    const policy = client.config.makeApiClient(PolicyV1Api);
    await eventually(
      () => policy.readNamespacedPodDisruptionBudget({ name: 'guard', namespace: 'drain-test' }),
      (pdb) => (pdb.status?.observedGeneration ?? 0) >= 1 && pdb.status?.currentHealthy === 1,
      30_000,
    );
    await client.cordon('node-a');
    expect((await client.listNodes())!.find((n) => n.name === 'node-a')!.unschedulable).toBe(true);

    const blocked = await client.drain('node-a', { timeoutMs: 3_000 });
    expect(blocked).toEqual({ drained: false, blockedBy: ['drain-test/guarded'], terminating: [] });
    const left = await client.core.listNamespacedPod({ namespace: 'drain-test' });
    expect(left.items.map((p: V1Pod) => p.metadata!.name)).toEqual(['guarded']);

    await client.objects.delete({
      apiVersion: 'policy/v1',
      kind: 'PodDisruptionBudget',
      metadata: { name: 'guard', namespace: 'drain-test' },
    });
    const drained = await client.drain('node-a', { timeoutMs: 20_000 });
    expect(drained).toEqual({ drained: true, blockedBy: [] });
  });

  it('deletes a node, and deleting it again is not an error', async () => {
    await client.deleteNode('node-b');
    await client.deleteNode('node-b');
    expect((await client.listNodes())!.map((n) => n.name)).not.toContain('node-b');
  });

  it('creates a bootstrap token Secret in the form kubeadm reads', async () => {
    const token = await client.createBootstrapToken(3600);
    expect(token).toMatch(/^[a-z0-9]{6}\.[a-z0-9]{16}$/);
    const [id, secret] = token.split('.');
    const stored = await client.core.readNamespacedSecret({
      name: `bootstrap-token-${id}`,
      namespace: 'kube-system',
    });
    expect(stored.type).toBe('bootstrap.kubernetes.io/token');
    expect(Buffer.from(stored.data!['token-secret']!, 'base64').toString()).toBe(secret);
    expect(Buffer.from(stored.data!['usage-bootstrap-authentication']!, 'base64').toString()).toBe(
      'true',
    );
  });
});

describe('node watcher on a real API server', () => {
  let cluster: Awaited<ReturnType<typeof startKwokCluster>>;

  beforeAll(async () => {
    cluster = await startKwokCluster('1.36.3');
  });

  afterAll(async () => {
    await cluster?.stop();
  });

  it('reports nodes added, changed and deleted, across watches the server ends', async () => {
    const events: string[] = [];
    const errors: unknown[] = [];
    const watcher = new NodeWatcher(
      endpointOf(cluster.client.config),
      (e) =>
        events.push(
          `${e.type} ${e.node.name} ready=${e.node.ready} cordoned=${e.node.unschedulable}`,
        ),
      {
        watchTimeoutSeconds: 1,
        onError: (error) => errors.push(error),
      },
    );
    await watcher.start();
    try {
      const pool = nodePoolSpecSchema.parse({ name: 'w', replicas: 1 });
      await cluster.client.core.createNode({
        body: nodeFor('t', 'kwok://t/watched', {
          name: 'watched',
          role: 'worker',
          pool,
          version: '1.36.3',
          flavor: 'standard',
        }),
      });
      await eventually(
        async () => events,
        (e) =>
          e.some((x) => x.startsWith('ADDED watched')) &&
          e.some((x) => x.includes('watched ready=true')),
        30_000,
      );
      // Outlive a few server-ended watches, then change and delete the node.
      await new Promise((r) => setTimeout(r, 2_500));
      await cluster.client.cordon('watched');
      await eventually(
        async () => events,
        (e) => e.some((x) => x === 'MODIFIED watched ready=true cordoned=true'),
        30_000,
      );
      await cluster.client.deleteNode('watched');
      await eventually(
        async () => events,
        (e) => e.some((x) => x.startsWith('DELETED watched')),
        30_000,
      );
      expect(watcher.nodes().map((n) => n.name)).not.toContain('watched');
      expect(errors).toEqual([]);
    } finally {
      watcher.stop();
    }
  });

  it('backs off and reconnects while the API server does not answer', async () => {
    const errors: unknown[] = [];
    const dead = await TenantKubeClient.fromKubeconfig(
      cluster.kubeconfig.replace(/server: https:\/\/[^\s]+/, 'server: https://127.0.0.1:1'),
    );
    const watcher = new NodeWatcher(endpointOf(dead.config), () => undefined, {
      backoffMs: { initial: 50, max: 200 },
      onError: (e) => errors.push(e),
    });
    await watcher.start();
    await eventually(
      async () => errors.length,
      (n) => n >= 3,
      10_000,
    );
    watcher.stop();
    const after = errors.length;
    await new Promise((r) => setTimeout(r, 500));
    expect(errors.length).toBe(after);
  });
});
