import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { copyFileSync, mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import {
  ApiextensionsV1Api,
  CustomObjectsApi,
  PatchStrategy,
  setHeaderOptions,
} from '@kubernetes/client-node';
import { startServer, type RunningServer } from '../../src/server.js';
import { ObjectApplier } from '../../src/addons/object-applier.js';
import { TransientError } from '../../src/domain/errors.js';
import { TenantKubeClient } from '../../src/kube/tenant-client.js';
import { isNotFound } from '../../src/kube/kube-errors.js';
import { clusterProcesses, KwokProvider } from '../../src/providers/kwok/kwok.provider.js';
import { ADMIN_TOKEN, testConfig } from '../support/factories.js';
import { eventually, httpClient } from '../support/http.js';

const SHARED_MIRROR = resolve(process.cwd(), '../shared/addon-mirror');
const METALLB = 'metallb/v0.16.1/metallb-native.yaml';
const PINNED_METALLB = 'bf25feebb7582ca7df845efd52ffbc2960d6cbf4cfc972f47fded9f788b67f0b';

/**
 * Add-ons installed, upgraded and removed by queued jobs in real API servers (kwokctl's binary
 * runtime), through the HTTP API of an in-process kaas with the kwok provider.
 */
describe('add-ons on kwok clusters', () => {
  let server: RunningServer;
  let workdir: string;
  let mirror: string;
  let api: ReturnType<typeof httpClient>;
  let tenant: TenantKubeClient;
  let stopOperator = false;
  let operatorLoop: Promise<void> | undefined;
  const base = '/v1/projects/default/clusters';

  beforeAll(async () => {
    workdir = mkdtempSync(join(tmpdir(), 'kaas-addons-'));
    // A mirror of the shared one whose MetalLB manifest starts out tampered with.
    mirror = join(workdir, 'mirror');
    mkdirSync(join(mirror, 'metallb/v0.16.1'), { recursive: true });
    for (const dir of ['gpu-operator', 'openstack-cloud-controller-manager'])
      symlinkSync(join(SHARED_MIRROR, dir), join(mirror, dir));
    writeFileSync(join(mirror, METALLB), 'apiVersion: v1\nkind: Namespace\n');
    server = await startServer(
      'all',
      testConfig({
        KAAS_PROVIDERS: 'fake,kwok',
        KAAS_KWOK_WORKDIR: join(workdir, 'kwok'),
        KAAS_KWOK_BOOT_SECONDS: '0.5',
        KAAS_ADDON_MIRROR: mirror,
        KAAS_ADDON_TIMEOUT_SECONDS: '90',
        KAAS_RETRY_BASE_SECONDS: '0.2',
        KAAS_RETRY_MAX_SECONDS: '2',
      }),
    );
    api = httpClient(server.url, ADMIN_TOKEN);
  }, 120_000);

  afterAll(async () => {
    stopOperator = true;
    await operatorLoop;
    for (const name of ['tampered', 'ml']) {
      const answer = await api?.('DELETE', `${base}/${name}`);
      if (answer?.status === 202) await waitForOperation(answer.body.id);
    }
    await server?.close();
    const leftovers = clusterProcesses(join(workdir, 'kwok'));
    rmSync(workdir, { recursive: true, force: true });
    expect(leftovers).toEqual([]);
  }, 180_000);

  async function waitForOperation(id: string) {
    const answer = await eventually(
      () => api('GET', `/v1/projects/default/operations/${id}`),
      (a) => ['Succeeded', 'Failed', 'Cancelled'].includes(a.body.status),
      240_000,
    );
    return answer.body;
  }

  const cluster = async (name: string) => (await api('GET', `${base}/${name}`)).body;
  const addonStatus = async (name: string) =>
    Object.fromEntries(
      ((await cluster(name)).status.addons ?? []).map((a: any) => [a.name, a]),
    ) as Record<string, { version: string; phase: string; message?: string }>;

  /**
   * kwok runs no containers, so nothing would ever report on the GPU operator's ClusterPolicy.
   * This loop plays the operator's part in that: it sets `status.state: ready` as the operator
   * does once it has reconciled the policy.
   */
  async function playGpuOperator(client: TenantKubeClient): Promise<void> {
    const custom = client.config.makeApiClient(CustomObjectsApi);
    const target = { group: 'nvidia.com', version: 'v1', plural: 'clusterpolicies' };
    while (!stopOperator) {
      const policies = await custom
        .listClusterCustomObject(target)
        .catch(() => ({ items: [] as any[] }));
      for (const policy of (policies as { items: any[] }).items) {
        if (policy.status?.state === 'ready') continue;
        await custom.patchClusterCustomObjectStatus(
          { ...target, name: policy.metadata.name, body: { status: { state: 'ready' } } },
          setHeaderOptions('Content-Type', PatchStrategy.MergePatch),
        );
      }
      await new Promise((r) => setTimeout(r, 300));
    }
  }

  it('fails the Operation naming the add-on and both digests when an artefact was tampered with', async () => {
    const answer = await api('POST', base, {
      body: { name: 'tampered', spec: { provider: 'kwok', kubernetesVersion: '1.36' } },
    });
    expect(answer.status).toBe(202);
    expect(answer.body.steps.map((s: any) => s.name)).toContain('addons');
    const op = await waitForOperation(answer.body.id);
    expect(op.status).toBe('Failed');
    expect(op.error.reason).toBe('AddonFailed');
    expect(op.error.message).toContain('add-on load-balancer failed: ArtefactDigestMismatch');
    expect(op.error.message).toContain(`the catalogue pins ${PINNED_METALLB}`);
    expect(op.error.message).toMatch(/has sha256 [0-9a-f]{64}/);
    expect((await addonStatus('tampered'))['load-balancer']).toMatchObject({
      phase: 'Failed',
      version: '1.1.0',
    });
  });

  it('creates a cluster with a GPU pool: MetalLB and the GPU operator each Healthy', async () => {
    copyFileSync(join(SHARED_MIRROR, METALLB), join(mirror, METALLB));
    const answer = await api('POST', base, {
      body: {
        name: 'ml',
        spec: {
          provider: 'kwok',
          nodePools: [
            { name: 'cpu', replicas: 1 },
            { name: 'gpu', replicas: 1, flavor: 'gpu-small', gpu: { count: 1, type: 'nvidia-l4' } },
          ],
          addons: { 'load-balancer': { version: '1.0.0' } },
        },
      },
    });
    expect(answer.status).toBe(202);
    const { kubeconfig } = (
      await eventually(
        () => api('GET', `${base}/ml/kubeconfig`),
        (a) => a.status === 200,
        // kwokctl starts a control plane in seconds, but this machine is shared: allow minutes.
        240_000,
      )
    ).body;
    tenant = await TenantKubeClient.fromKubeconfig(kubeconfig);
    operatorLoop = playGpuOperator(tenant);

    const op = await waitForOperation(answer.body.id);
    expect(op).toMatchObject({ status: 'Succeeded' });
    expect(await addonStatus('ml')).toEqual({
      'load-balancer': { name: 'load-balancer', version: '1.0.0', phase: 'Healthy' },
      'gpu-operator': { name: 'gpu-operator', version: '26.7.0', phase: 'Healthy' },
      mltask: { name: 'mltask', version: '0.1.0', phase: 'Healthy' },
    });
    const conditions = (await cluster('ml')).status.conditions;
    expect(conditions.find((c: any) => c.type === 'AddonsReady')).toMatchObject({
      status: 'True',
    });

    const controller = await tenant.apps.readNamespacedDeployment({
      name: 'controller',
      namespace: 'metallb-system',
    });
    expect(controller.metadata!.labels!['kaas.dev/addon']).toBe('load-balancer');
    expect(controller.metadata!.managedFields!.map((f) => f.manager)).toContain('kaas');
    expect(await ipAddressPool()).toMatchObject({
      addresses: ['10.250.0.0/24'],
      avoidBuggyIPs: false,
    });
    const operator = await tenant.apps.readNamespacedDeployment({
      name: 'gpu-operator',
      namespace: 'gpu-operator',
    });
    expect(operator.status!.availableReplicas).toBe(1);
    const gpuNode = (await tenant.core.listNode({ labelSelector: 'kaas.dev/pool=gpu' })).items[0]!;
    expect(gpuNode.spec!.taints).toContainEqual(
      expect.objectContaining({ key: 'nvidia.com/gpu', value: 'present', effect: 'NoSchedule' }),
    );
    expect(gpuNode.metadata!.labels!['nvidia.com/gpu.present']).toBe('true');
    // MLTask, part of the GPU stack: its CRD served, its controller running beside the GPU pool.
    const crds = tenant.config.makeApiClient(ApiextensionsV1Api);
    const mltasks = await crds.readCustomResourceDefinition({ name: 'mltasks.ml.kaas.dev' });
    expect(mltasks.status!.conditions).toContainEqual(
      expect.objectContaining({ type: 'Established', status: 'True' }),
    );
    const mlController = await tenant.apps.readNamespacedDeployment({
      name: 'mltask-controller',
      namespace: 'kaas-mltask',
    });
    expect(mlController.status!.availableReplicas).toBe(1);
    expect(mlController.metadata!.labels!['kaas.dev/addon']).toBe('mltask');
  }, 420_000);

  async function ipAddressPool() {
    const custom = tenant.config.makeApiClient(CustomObjectsApi);
    const pool = (await custom.getNamespacedCustomObject({
      group: 'metallb.io',
      version: 'v1beta1',
      namespace: 'metallb-system',
      plural: 'ipaddresspools',
      name: 'kaas-default',
    })) as { spec: unknown };
    return pool.spec;
  }

  async function patchSpec(name: string, spec: object) {
    const answer = await api('PATCH', `${base}/${name}`, {
      body: { spec },
      headers: { 'content-type': 'application/merge-patch+json' },
    });
    expect(answer.status).toBe(202);
    return waitForOperation(answer.body.id);
  }

  it('upgrades the load balancer 1.0.0 -> 1.1.0, retrying an apply that fails transiently', async () => {
    const applier = server.app.get(ObjectApplier);
    const apply = applier.apply.bind(applier);
    let injected = 0;
    applier.apply = async (client, object) => {
      if (object.kind === 'IPAddressPool' && injected < 2) {
        injected++;
        throw new TransientError('injected: the API server is restarting', 'ApplyFailed');
      }
      return apply(client, object);
    };
    try {
      const op = await patchSpec('ml', { addons: { 'load-balancer': { version: '1.1.0' } } });
      expect(op).toMatchObject({ status: 'Succeeded' });
    } finally {
      applier.apply = apply;
    }
    expect(injected).toBe(2);
    expect((await addonStatus('ml'))['load-balancer']).toEqual({
      name: 'load-balancer',
      version: '1.1.0',
      phase: 'Healthy',
    });
    expect(await ipAddressPool()).toMatchObject({
      addresses: ['10.250.0.0/24'],
      avoidBuggyIPs: true,
    });
  });

  it('removes the load balancer: its objects are gone, a user object beside them is untouched', async () => {
    await tenant.core.createNamespacedConfigMap({
      namespace: 'metallb-system',
      body: { metadata: { name: 'user-notes' }, data: { owner: 'me' } },
    });
    const op = await patchSpec('ml', { addons: { 'load-balancer': { enabled: false } } });
    expect(op).toMatchObject({ status: 'Succeeded' });
    expect(Object.keys(await addonStatus('ml'))).toEqual(['gpu-operator', 'mltask']);

    const gone = async (read: () => Promise<unknown>) =>
      read().then(
        () => false,
        (error: unknown) => isNotFound(error),
      );
    expect(
      await gone(() =>
        tenant.apps.readNamespacedDeployment({ name: 'controller', namespace: 'metallb-system' }),
      ),
    ).toBe(true);
    expect(
      await gone(() =>
        tenant.apps.readNamespacedDaemonSet({ name: 'speaker', namespace: 'metallb-system' }),
      ),
    ).toBe(true);
    const crds = tenant.config.makeApiClient(ApiextensionsV1Api);
    expect(
      await gone(() => crds.readCustomResourceDefinition({ name: 'ipaddresspools.metallb.io' })),
    ).toBe(true);
    const userNotes = await tenant.core.readNamespacedConfigMap({
      name: 'user-notes',
      namespace: 'metallb-system',
    });
    expect(userNotes.data).toEqual({ owner: 'me' });
    const namespace = await tenant.core.readNamespace({ name: 'metallb-system' });
    expect(namespace.metadata!.deletionTimestamp).toBeUndefined();
    // The other add-on is left as it was.
    const operator = await tenant.apps.readNamespacedDeployment({
      name: 'gpu-operator',
      namespace: 'gpu-operator',
    });
    expect(operator.metadata!.labels!['kaas.dev/addon']).toBe('gpu-operator');
    expect(KwokProvider.clusterName((await cluster('ml')).id)).toMatch(/^kaas-/);
  });
  it('removes the GPU stack with its namespaces, which hold nothing of anyone else', async () => {
    const op = await patchSpec('ml', {
      addons: { 'gpu-operator': { enabled: false }, mltask: { enabled: false } },
    });
    expect(op).toMatchObject({ status: 'Succeeded' });
    expect((await cluster('ml')).status.addons ?? []).toEqual([]);
    const crds = tenant.config.makeApiClient(ApiextensionsV1Api);
    const left = await crds.listCustomResourceDefinition({ labelSelector: 'kaas.dev/addon' });
    expect(left.items.map((c) => c.metadata!.name)).toEqual([]);
    const namespace = await tenant.core.readNamespace({ name: 'gpu-operator' }).then(
      (ns) => ns.metadata!.deletionTimestamp !== undefined,
      (error: unknown) => isNotFound(error),
    );
    expect(namespace).toBe(true);
    // The GPU pool keeps its taint and label: they belong to the pool, not to the add-on.
    const gpuNode = (await tenant.core.listNode({ labelSelector: 'kaas.dev/pool=gpu' })).items[0]!;
    expect(gpuNode.metadata!.labels!['nvidia.com/gpu.present']).toBe('true');
  });
});
