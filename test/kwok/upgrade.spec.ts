import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { mkdirSync, mkdtempSync, readFileSync, readlinkSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PolicyV1Api, Watch, type V1Node } from '@kubernetes/client-node';
import {
  createKaasClient,
  unwrap,
  type KaasClient,
  type Machine,
  type Operation,
} from '../../sdk/src/index.js';
import { TenantKubeClient } from '../../src/kube/tenant-client.js';
import { guardPodOn } from '../support/kwok.js';
import { KwokProvider, clusterProcesses } from '../../src/providers/kwok/kwok.provider.js';
import { kwokKaasEnv, startKaas, type KaasProcess } from '../support/process.js';
import { ADMIN_TOKEN } from '../support/factories.js';
import { eventually } from '../support/http.js';

/**
 * A rolling upgrade 1.36 → 1.37 of a kwok cluster with a three-machine control plane and two
 * pools, against real API servers: the control plane restarts on the new binaries, its
 * machines are replaced one at a time, pool `surge` (maxSurge 2, maxUnavailable 0) never
 * loses Ready capacity, and a PodDisruptionBudget in pool `guarded` holds the rollout, named in
 * the Operation, until it is cancelled, the budget lifted and the upgrade resumed.
 */
describe('rolling upgrade on kwok', () => {
  let kaas: KaasProcess;
  let client: KaasClient;
  let dataDir: string;
  let tenant: TenantKubeClient;
  let clusterId: string;
  const project = 'default';
  const path = { project, cluster: 'up' };

  beforeAll(async () => {
    dataDir = mkdtempSync(join(tmpdir(), 'kaas-kwok-upgrade-'));
    kaas = await startKaas('all', kwokKaasEnv(dataDir));
    client = createKaasClient({ baseUrl: kaas.url, token: ADMIN_TOKEN });
  });

  afterAll(async () => {
    if (clusterId) {
      const op = await unwrap(client.deleteCluster({ path })).catch(() => undefined);
      if (op) await wait(op as Operation).catch(() => undefined);
    }
    await kaas?.kill('SIGTERM');
    mkdirSync('test-artifacts', { recursive: true });
    writeFileSync('test-artifacts/kwok-upgrade-kaas.log', kaas?.output() ?? '');
    rmSync(dataDir, { recursive: true, force: true });
  });

  const wait = (op: Operation) =>
    client.waitForOperation(project, op.id, { timeoutMs: 240_000, intervalMs: 250 });
  const machines = async () =>
    (await unwrap(client.listMachines({ path, query: { limit: 100 } }))).items;

  it('creates a 1.36 cluster: three control-plane machines and two pools', async () => {
    const op = (await unwrap(
      client.createCluster({
        path: { project },
        body: {
          name: 'up',
          spec: {
            provider: 'kwok',
            kubernetesVersion: '1.36',
            controlPlane: { replicas: 3 },
            nodePools: [
              { name: 'surge', replicas: 2, upgrade: { maxSurge: 2, maxUnavailable: 0 } },
              { name: 'guarded', replicas: 1, upgrade: { drainTimeoutSeconds: 600 } },
            ],
            // What rolls here is the machines; add-ons have tests of their own.
            addons: { 'load-balancer': { enabled: false } },
          },
        },
      }),
    )) as Operation;
    clusterId = op.clusterId;
    expect((await wait(op)).status).toBe('Succeeded');
    const { kubeconfig } = await unwrap(client.getKubeconfig({ path }));
    tenant = await TenantKubeClient.fromKubeconfig(kubeconfig);
    expect(await tenant.serverVersion()).toBe('v1.36.3');
    expect((await machines()).every((m) => m.version === '1.36.3')).toBe(true);
  });

  it('refuses a downgrade and a version it cannot run, with 422 saying why', async () => {
    const down = await client.updateCluster({
      path,
      body: { spec: { kubernetesVersion: '1.35' } },
    });
    expect(down.response?.status).toBe(422);
    const problem = (down as { error?: unknown }).error as {
      errors?: { field: string; message: string }[];
    };
    expect(problem.errors).toEqual([
      {
        field: 'spec.kubernetesVersion',
        message: 'Kubernetes 1.35 is not supported; supported: 1.36.3, 1.37.2',
      },
      {
        field: 'spec.kubernetesVersion',
        message: 'cannot downgrade the control plane from 1.36.3 to 1.35',
      },
      // The pools follow the control plane, so they would be downgraded too.
      {
        field: 'spec.nodePools[0].version',
        message: 'cannot downgrade pool surge from 1.36.3 to 1.35',
      },
      {
        field: 'spec.nodePools[1].version',
        message: 'cannot downgrade pool guarded from 1.36.3 to 1.35',
      },
    ]);
  });

  it('upgrades: control plane first on new binaries, machines one at a time, PDB holds, cancel, resume', async () => {
    const before = await machines();
    const guardedNode = before.find((m) => m.pool === 'guarded')!.nodeName!;
    await guardPodOn(tenant, guardedNode);

    // Ready, schedulable nodes of pool `surge`, as seen by a watch for the whole upgrade.
    const surge = await watchPool('surge');
    // The control plane's machines, sampled: never fewer than three live, one leaving at a time.
    const cpSamples: Machine[][] = [];
    let sampling = true;
    const sampler = (async () => {
      while (sampling) {
        const all = await machines().catch(() => undefined);
        if (!all) break;
        cpSamples.push(all.filter((m) => m.role === 'control-plane'));
        await new Promise((r) => setTimeout(r, 200));
      }
    })();

    const op = (await unwrap(
      client.updateCluster({ path, body: { spec: { kubernetesVersion: '1.37' } } }),
    )) as Operation;
    expect(op.type).toBe('Upgrade');
    const cpNames = before.filter((m) => m.role === 'control-plane').map((m) => m.name);
    expect(op.steps.map((s) => s.name)).toEqual(
      expect.arrayContaining([
        'control-plane/restart',
        ...cpNames.map((n) => `replace/${n}`),
        ...before.filter((m) => m.role === 'worker').map((m) => `replace/${m.name}`),
      ]),
    );
    expect(op.steps[0]!.name).toBe('control-plane/restart');

    const guardedMachine = before.find((m) => m.pool === 'guarded')!;
    const surgeSteps = before.filter((m) => m.pool === 'surge').map((m) => `replace/${m.name}`);
    // The guarded pool's drain stays blocked while the other pool finishes its rollout.
    const blocked = await eventually(
      () => unwrap(client.getOperation({ path: { project, operation: op.id } })),
      (o) =>
        ['Succeeded', 'Failed', 'Cancelled'].includes(o.status) ||
        ((o.steps.find((s) => s.name === `replace/${guardedMachine.name}`)?.message ?? '').includes(
          'pdb-test/guarded',
        ) &&
          surgeSteps.every((name) => o.steps.find((s) => s.name === name)?.status === 'Done')),
      200_000,
    );
    expect(blocked.status).toBe('Running');
    sampling = false;
    await sampler;
    surge.stop();

    // The control plane really runs the new binaries.
    expect(await tenant.serverVersion()).toBe('v1.37.2');
    const dir = join(dataDir, 'kwok', 'clusters', KwokProvider.clusterName(clusterId));
    const apiserver = clusterProcesses(dir).find((pid) =>
      readFileSync(`/proc/${pid}/cmdline`, 'utf8').includes('kube-apiserver'),
    );
    expect(readlinkSync(`/proc/${apiserver}/exe`)).toMatch(/\/k8s\/v1\.37\.2\/kube-apiserver$/);
    expect(blocked.steps.find((s) => s.name === 'control-plane/restart')!.status).toBe('Done');
    for (const name of cpNames) {
      expect(blocked.steps.find((s) => s.name === `replace/${name}`)!.status).toBe('Done');
    }

    // One control-plane machine at a time: never fewer than three live, never two leaving.
    const live = (ms: Machine[]) =>
      ms.filter((m) => ['Pending', 'Provisioning', 'Running'].includes(m.phase));
    expect(cpSamples.length).toBeGreaterThan(5);
    expect(
      Math.min(...cpSamples.map((s) => live(s).filter((m) => m.phase === 'Running').length)),
    ).toBeGreaterThanOrEqual(3);
    expect(
      Math.max(...cpSamples.map((s) => s.filter((m) => m.phase === 'Deleting').length)),
    ).toBeLessThanOrEqual(1);

    // Surge 2, unavailable 0: Ready capacity of the pool never under its size.
    expect(surge.events()).toBeGreaterThan(0);
    expect(surge.minimum()).toBeGreaterThanOrEqual(2);
    const surgeMachines = (await machines()).filter((m) => m.pool === 'surge');
    expect(surgeMachines.map((m) => m.version)).toEqual(['1.37.2', '1.37.2']);

    // Cancel mid-way: the cluster keeps what was done and says so.
    await unwrap(client.cancelOperation({ path: { project, operation: op.id } }));
    const cancelled = await wait(op);
    expect(cancelled.status).toBe('Cancelled');
    const cluster = await unwrap(client.getCluster({ path }));
    expect(cluster.status.controlPlaneVersion).toBe('1.37.2');
    const stillOld = (await machines()).filter((m) => m.version === '1.36.3');
    expect(stillOld.map((m) => m.name)).toEqual([guardedMachine.name]);
    // Its node still runs 1.36.3 while its drain is held, and the pool's status says so.
    const guardedPool = cluster.status.nodePools.find((p) => p.name === guardedMachine.pool);
    expect(guardedPool?.versions).toContain('1.36.3');

    // Lift the budget and resume: the rollout finishes where it stopped.
    await tenant.config
      .makeApiClient(PolicyV1Api)
      .deleteNamespacedPodDisruptionBudget({ name: 'guard', namespace: 'pdb-test' });
    const resumed = await client.resumeCluster({ path });
    expect(resumed.response?.status).toBe(202);
    const resume = resumed.data as Operation;
    expect(resume.type).toBe('Resume');
    expect(resume.steps.map((s) => s.name)).toContain(`replace/${guardedMachine.name}`);
    expect((await wait(resume)).status).toBe('Succeeded');
    const after = await machines();
    expect(after.every((m) => m.version === '1.37.2')).toBe(true);
    expect(after.map((m) => m.name)).not.toContain(guardedMachine.name);
    const nodes = (await tenant.core.listNode()).items;
    expect(nodes.map((n) => n.status!.nodeInfo!.kubeletVersion)).toEqual(
      nodes.map(() => 'v1.37.2'),
    );
    const final = await unwrap(client.getCluster({ path }));
    expect(final.status.phase).toBe('Running');
    expect(final.status.nodePools.map((p) => p.versions)).toEqual([['1.37.2'], ['1.37.2']]);

    // Nothing left to resume now.
    const again = await client.resumeCluster({ path });
    expect(again.response?.status).toBe(200);
  });

  /**
   * Watches a pool's nodes and keeps the fewest Ready, schedulable ones seen after any event.
   * A watch that ends (the API server restarts) is taken up again from a fresh list.
   */
  async function watchPool(pool: string) {
    const nodes = new Map<string, V1Node>();
    let minimum = Number.POSITIVE_INFINITY;
    let events = 0;
    let stopped = false;
    let request: AbortController | undefined;
    const selector = `kaas.dev/pool=${pool}`;
    const capacity = () =>
      [...nodes.values()].filter(
        (n) =>
          !n.spec?.unschedulable &&
          n.status?.conditions?.some((c) => c.type === 'Ready' && c.status === 'True'),
      ).length;
    const start = async (): Promise<void> => {
      if (stopped) return;
      const list = await tenant.core.listNode({ labelSelector: selector });
      nodes.clear();
      for (const n of list.items) nodes.set(n.metadata!.name!, n);
      minimum = Math.min(minimum, capacity());
      request = await new Watch(tenant.config).watch(
        '/api/v1/nodes',
        { labelSelector: selector, resourceVersion: list.metadata!.resourceVersion },
        (type: string, node: V1Node) => {
          events += 1;
          if (type === 'DELETED') nodes.delete(node.metadata!.name!);
          else nodes.set(node.metadata!.name!, node);
          minimum = Math.min(minimum, capacity());
        },
        () => {
          if (!stopped) setTimeout(() => void start().catch(() => setTimeout(start, 500)), 200);
        },
      );
    };
    await start();
    return {
      stop: () => {
        stopped = true;
        request?.abort();
      },
      minimum: () => minimum,
      events: () => events,
    };
  }
});
