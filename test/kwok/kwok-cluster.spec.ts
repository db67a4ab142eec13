import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PolicyV1Api } from '@kubernetes/client-node';
import { createKaasClient, unwrap, type KaasClient, type Operation } from '../../sdk/src/index.js';
import { TenantKubeClient } from '../../src/kube/tenant-client.js';
import { guardPodOn } from '../support/kwok.js';
import { KwokProvider, clusterProcesses } from '../../src/providers/kwok/kwok.provider.js';
import { missingComponents } from '../../src/providers/kwok/kwokctl.js';
import { kwokKaasEnv, startKaas, type KaasProcess } from '../support/process.js';
import { ADMIN_TOKEN } from '../support/factories.js';
import { eventually } from '../support/http.js';

/** The two pools of the test cluster; only the CPU pool's drain timeout and its outcome vary. */
const pools = (drainTimeoutSeconds: number, onDrainTimeout: 'Fail' | 'Proceed' = 'Fail') => [
  {
    name: 'cpu',
    replicas: 2,
    labels: { tier: 'general' },
    upgrade: { drainTimeoutSeconds, onDrainTimeout },
  },
  {
    name: 'gpu',
    replicas: 1,
    flavor: 'gpu-small',
    gpu: { count: 2, type: 'nvidia-l4' },
    taints: [{ key: 'nvidia.com/gpu', value: 'present', effect: 'NoSchedule' as const }],
  },
];

/**
 * kaas driving real control planes (kube-apiserver, controller manager, scheduler, etcd) with
 * nodes simulated by kwok, through the generated SDK.
 */
describe('kwok clusters through the SDK', () => {
  let kaas: KaasProcess;
  let client: KaasClient;
  let dataDir: string;
  let tenant: TenantKubeClient;
  let clusterId: string;
  const project = 'default';
  const path = { project, cluster: 'kw' };

  beforeAll(async () => {
    dataDir = mkdtempSync(join(tmpdir(), 'kaas-kwok-e2e-'));
    kaas = await startKaas('all', kwokKaasEnv(dataDir));
    client = createKaasClient({ baseUrl: kaas.url, token: ADMIN_TOKEN });
  });

  afterAll(async () => {
    await kaas?.kill('SIGTERM');
    // The service's own log, kept for whoever reads a failure.
    mkdirSync('test-artifacts', { recursive: true });
    writeFileSync('test-artifacts/kwok-e2e-kaas.log', kaas?.output() ?? '');
    rmSync(dataDir, { recursive: true, force: true });
  });

  const wait = (op: Operation) =>
    client.waitForOperation(project, op.id, { timeoutMs: 150_000, intervalMs: 250 });
  const scale = async (pool: string, replicas: number) =>
    (await unwrap(
      client.scaleNodePool({ path: { ...path, pool }, body: { replicas } }),
    )) as Operation;
  const poolNodes = async (pool: string) =>
    (await tenant.core.listNode({ labelSelector: `kaas.dev/pool=${pool}` })).items
      .map((n) => n.metadata!.name!)
      .sort();

  it('creates a cluster with a CPU and a GPU pool: Running, every node Ready, GPUs visible', async () => {
    const op = (await unwrap(
      client.createCluster({
        path: { project },
        body: {
          name: 'kw',
          spec: {
            provider: 'kwok',
            kubernetesVersion: '1.37',
            nodePools: pools(60),
            // Pools, drains and control planes are the subject here; add-ons are tested in addons.spec.ts.
            addons: {
              'load-balancer': { enabled: false },
              'gpu-operator': { enabled: false },
              mltask: { enabled: false },
            },
          },
        },
      }),
    )) as Operation;
    clusterId = op.clusterId;
    const final = await wait(op);
    expect(final.status).toBe('Succeeded');
    const cluster = await unwrap(client.getCluster({ path }));
    expect(cluster.status).toMatchObject({
      phase: 'Running',
      nodeCounts: { desired: 4, total: 4, ready: 4 },
    });
    expect(cluster.status.endpoint).toMatch(/^https:\/\/127\.0\.0\.1:\d+$/);

    const { kubeconfig } = await unwrap(client.getKubeconfig({ path }));
    tenant = await TenantKubeClient.fromKubeconfig(kubeconfig);
    expect(await tenant.serverVersion()).toBe('v1.37.2');
    const nodes = (await tenant.listNodes())!;
    expect(nodes).toHaveLength(4);
    expect(nodes.every((n) => n.ready)).toBe(true);
    const gpu = (await tenant.core.listNode({ labelSelector: 'kaas.dev/pool=gpu' })).items[0]!;
    expect(gpu.status!.capacity!['nvidia.com/gpu']).toBe('2');
    expect(gpu.metadata!.labels!['nvidia.com/gpu.product']).toBe('nvidia-l4');
    // The node lifecycle controller may still hold its own not-ready taint for a moment.
    expect(gpu.spec!.taints!.filter((t) => !t.key.startsWith('node.kubernetes.io/'))).toEqual([
      expect.objectContaining({ key: 'nvidia.com/gpu', value: 'present', effect: 'NoSchedule' }),
    ]);
    const cpu = (await tenant.core.listNode({ labelSelector: 'kaas.dev/pool=cpu' })).items;
    expect(cpu.every((n) => n.metadata!.labels!.tier === 'general')).toBe(true);
  });

  it('scales a pool up and down, nodes following', async () => {
    expect((await wait(await scale('cpu', 3))).status).toBe('Succeeded');
    expect(await poolNodes('cpu')).toHaveLength(3);
    expect((await wait(await scale('cpu', 2))).status).toBe('Succeeded');
    const machines = await unwrap(client.listMachines({ path, query: { pool: 'cpu' } }));
    expect(await poolNodes('cpu')).toEqual(machines.items.map((m) => m.nodeName).sort());
  });

  it('holds a scale-down while a PodDisruptionBudget blocks the drain, naming the pod, then finishes', async () => {
    const machines = await unwrap(client.listMachines({ path, query: { pool: 'cpu' } }));
    const newest = machines.items.map((m) => m).sort((a, b) => b.id.localeCompare(a.id))[0]!;
    await guardPodOn(tenant, newest.nodeName!);
    const op = await scale('cpu', 1);
    const blocked = await eventually(
      () => unwrap(client.getOperation({ path: { project, operation: op.id } })),
      (o) => (o.steps[0]?.message ?? '').includes('pdb-test/guarded'),
      60_000,
    );
    expect(blocked.status).toBe('Running');
    expect(blocked.steps[0]!.message).toContain(
      `drain of node ${newest.nodeName} blocked by pods pdb-test/guarded`,
    );
    await tenant.config
      .makeApiClient(PolicyV1Api)
      .deleteNamespacedPodDisruptionBudget({ name: 'guard', namespace: 'pdb-test' });
    expect((await wait(op)).status).toBe('Succeeded');
    expect(await poolNodes('cpu')).toHaveLength(1);
    expect(await poolNodes('cpu')).not.toContain(newest.nodeName);
  });

  it('fails the scale-down after the drain timeout with a message naming the pod', async () => {
    const patch = await unwrap(
      client.updateCluster({
        path,
        body: {
          spec: {
            nodePools: pools(3),
          },
        },
      }),
    );
    expect((await wait(patch as Operation)).status).toBe('Succeeded');
    const machines = await unwrap(client.listMachines({ path, query: { pool: 'cpu' } }));
    const newest = machines.items.sort((a, b) => b.id.localeCompare(a.id))[0]!;
    await guardPodOn(tenant, newest.nodeName!);
    const final = await wait(await scale('cpu', 1));
    expect(final.status).toBe('Failed');
    expect(final.error).toMatchObject({ reason: 'DrainTimeout' });
    expect(final.error!.message).toContain('pdb-test/guarded');
    await tenant.config
      .makeApiClient(PolicyV1Api)
      .deleteNamespacedPodDisruptionBudget({ name: 'guard', namespace: 'pdb-test' });
  });

  it('deletes the node after the drain timeout when the pool says Proceed, and records why', async () => {
    // Back to two CPU machines, now with Proceed: the PATCH also finishes the failed scale-down.
    const patch = await unwrap(
      client.updateCluster({ path, body: { spec: { nodePools: pools(3, 'Proceed') } } }),
    );
    expect((await wait(patch as Operation)).status).toBe('Succeeded');
    const machines = await unwrap(client.listMachines({ path, query: { pool: 'cpu' } }));
    expect(machines.items).toHaveLength(2);
    const newest = machines.items.sort((a, b) => b.id.localeCompare(a.id))[0]!;
    await guardPodOn(tenant, newest.nodeName!, 'stubborn');
    const started = Date.now();
    const final = await wait(await scale('cpu', 1));
    expect(final).toMatchObject({ status: 'Succeeded' });
    expect(Date.now() - started).toBeGreaterThanOrEqual(3_000);
    expect(await poolNodes('cpu')).not.toContain(newest.nodeName);
    const events = await unwrap(client.listClusterEvents({ path }));
    expect(events.items).toContainEqual(
      expect.objectContaining({
        type: 'Warning',
        reason: 'DrainTimeout',
        message: expect.stringContaining('pdb-test/stubborn'),
      }),
    );
  });

  it('restarts a controller manager that died while the API server still answers', async () => {
    const dir = join(dataDir, 'kwok', 'clusters', KwokProvider.clusterName(clusterId));
    expect(missingComponents(dir)).toEqual([]);
    const manager = clusterProcesses(dir).filter((pid) =>
      readFileSync(`/proc/${pid}/cmdline`, 'utf8').includes('kube-controller-manager'),
    );
    expect(manager).toHaveLength(1);
    process.kill(manager[0]!, 'SIGKILL');
    await eventually(
      async () => missingComponents(dir),
      (missing) => missing.includes('kube-controller-manager'),
      10_000,
    );
    expect(await tenant.serverVersion()).toBe('v1.37.2');
    // Without a controller manager this Deployment would never get a pod.
    await tenant.apps.createNamespacedDeployment({
      namespace: 'default',
      body: {
        metadata: { name: 'after-restart' },
        spec: {
          replicas: 1,
          selector: { matchLabels: { app: 'after-restart' } },
          template: {
            metadata: { labels: { app: 'after-restart' } },
            spec: {
              nodeSelector: { 'kaas.dev/pool': 'cpu' },
              containers: [{ name: 'c', image: 'busybox' }],
            },
          },
        },
      },
    });
    const final = await wait(await scale('cpu', 2));
    expect({ status: final.status, error: final.error }).toEqual({ status: 'Succeeded' });
    expect(missingComponents(dir)).toEqual([]);
    // The controller manager is back: it observed the Deployment and made its pod.
    const deployment = await eventually(
      () => tenant.apps.readNamespacedDeployment({ name: 'after-restart', namespace: 'default' }),
      (d) => d.status?.observedGeneration === 1 && d.status.replicas === 1,
      60_000,
    );
    expect(deployment.status!.replicas).toBe(1);
    const pods = await tenant.core.listNamespacedPod({
      namespace: 'default',
      labelSelector: 'app=after-restart',
    });
    expect(pods.items).toHaveLength(1);
  });

  it('recovers when the control plane dies mid-operation: the next reconcile restarts it', async () => {
    const dir = join(dataDir, 'kwok', 'clusters', KwokProvider.clusterName(clusterId));
    const apiserver = clusterProcesses(dir).filter((pid) =>
      readFileSync(`/proc/${pid}/cmdline`, 'utf8').includes('kube-apiserver'),
    );
    expect(apiserver).toHaveLength(1);
    process.kill(apiserver[0]!, 'SIGKILL');
    await eventually(
      () => tenant.serverVersion(),
      (v) => v === null,
      10_000,
    );
    const op = await scale('gpu', 2);
    const final = await wait(op);
    expect({ status: final.status, error: final.error }).toEqual({ status: 'Succeeded' });
    expect(await tenant.serverVersion()).toBe('v1.37.2');
    expect(await poolNodes('gpu')).toHaveLength(2);
  });

  it('deletes the cluster leaving no process and no file', async () => {
    const dir = join(dataDir, 'kwok', 'clusters', KwokProvider.clusterName(clusterId));
    expect(existsSync(dir)).toBe(true);
    expect(clusterProcesses(dir).length).toBeGreaterThanOrEqual(4);
    const final = await wait((await unwrap(client.deleteCluster({ path }))) as Operation);
    expect(final.status).toBe('Succeeded');
    expect(existsSync(dir)).toBe(false);
    expect(clusterProcesses(dir)).toEqual([]);
  });
});
