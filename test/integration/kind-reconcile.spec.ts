import { afterAll, beforeAll, describe, expect, it, jest } from '@jest/globals';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { clusterSpecSchema, type ClusterSpec } from '../../src/domain/cluster.js';
import { KindProvider } from '../../src/providers/kind/kind.provider.js';
import { startStandin, type Standin } from '../support/cli-standin.js';
import { startFakeKubeApi, type FakeKubeApi } from '../support/fake-kube-api.js';
import { TEST_IMAGES } from '../support/kind.js';
import { createTestDatabase } from '../support/postgres.js';
import { openDatabase, type DatabaseHandle } from '../../src/persistence/database.js';
import { ReconcileHarness } from '../support/reconcile-harness.js';

jest.setTimeout(240_000);

/**
 * The reconciler, unchanged, on the kind provider and the kind/docker stand-in: the generic
 * phases create, scale, roll a pool to a new version and delete, and kind's containers follow.
 */
describe('reconciling a kind cluster', () => {
  let standin: Standin;
  let api: FakeKubeApi;
  let workdir: string;
  let harness: ReconcileHarness;
  let dropDatabase: () => Promise<void>;
  let database: DatabaseHandle;
  let clusterId: string;

  const joined = () =>
    Object.values(standin.state().containers)
      .filter((c) => c.joined)
      .map((c) => c.name);
  const workers = () =>
    Object.values(standin.state().containers)
      .filter((c) => c.labels['io.x-k8s.kind.role'] === 'worker')
      .map((c) => c.image.replace(/@.*/, ''))
      .sort();
  const spec = (replicas: number, version: string): ClusterSpec =>
    clusterSpecSchema.parse({
      provider: 'kind',
      kubernetesVersion: '1.37.2',
      nodePools: [{ name: 'web', replicas, version, upgrade: { drainTimeoutSeconds: 5 } }],
    });
  const settle = async (operationId: string) => {
    await harness.reconcileUntilSettled(clusterId);
    return (await harness.operationState(operationId)).operation;
  };

  beforeAll(async () => {
    const db = await createTestDatabase();
    dropDatabase = db.drop;
    database = await openDatabase({ url: db.url });
    api = await startFakeKubeApi({ nodes: () => joined() });
    standin = startStandin({ caPem: api.caPem, apiServer: api.url });
    workdir = mkdtempSync(join(tmpdir(), 'kaas-kind-'));
    const provider = new KindProvider({ workdir, tools: standin.tools, images: TEST_IMAGES });
    harness = new ReconcileHarness(database, { provider });
    await harness.seedProject();
  }, 60_000);

  afterAll(async () => {
    await database?.close();
    await dropDatabase?.();
    standin?.cleanup();
    await api?.close();
    rmSync(workdir, { recursive: true, force: true });
  });

  it('creates the cluster with kind, adopting the nodes kind made as machines', async () => {
    const { cluster, operationId } = await harness.createCluster('dev', spec(1, '1.36.3'));
    clusterId = cluster.id;
    expect((await settle(operationId)).status).toBe('Succeeded');
    const machines = await harness.repos.machines.listExisting(clusterId);
    expect(machines.map((m) => [m.role, m.phase, m.nodeName]).sort()).toEqual([
      ['control-plane', 'Running', `${KindProvider.clusterName(clusterId)}-control-plane`],
      ['worker', 'Running', `${KindProvider.clusterName(clusterId)}-worker`],
    ]);
    expect(standin.commands().filter((c) => c.startsWith('docker run'))).toEqual([]);
  });

  it('scales the pool up with a joined container and back down by removing it', async () => {
    expect((await settle(await harness.changeSpec(clusterId, spec(2, '1.36.3')))).status).toBe(
      'Succeeded',
    );
    expect(workers()).toEqual(['kindest/node:v1.36.3', 'kindest/node:v1.36.3']);
    expect((await settle(await harness.changeSpec(clusterId, spec(1, '1.36.3')))).status).toBe(
      'Succeeded',
    );
    expect(workers()).toEqual(['kindest/node:v1.36.3']);
    expect(api.deletedNodes.size).toBe(1);
  });

  it('rolls the pool to the control plane version with new-image containers', async () => {
    const op = await harness.changeSpec(clusterId, spec(1, '1.37.2'), 'Upgrade');
    expect((await settle(op)).status).toBe('Succeeded');
    expect(workers()).toEqual(['kindest/node:v1.37.2']);
    const machines = await harness.repos.machines.listExisting(clusterId);
    expect(machines.filter((m) => m.role === 'worker').map((m) => m.version)).toEqual(['1.37.2']);
    // The node kind made at creation was cordoned, drained and deleted once its replacement was Ready.
    const kindWorker = `${KindProvider.clusterName(clusterId)}-worker`;
    expect(api.deletedNodes.has(kindWorker)).toBe(true);
    expect(
      api.requests.some(
        (r) => r.method === 'PATCH' && r.path.startsWith(`/api/v1/nodes/${kindWorker}`),
      ),
    ).toBe(true);
  });

  it('deletes every container and the cluster folder', async () => {
    const op = await harness.requestDelete(clusterId);
    expect((await settle(op)).status).toBe('Succeeded');
    expect(standin.state().containers).toEqual({});
    expect(standin.state().clusters).toEqual({});
    expect(existsSync(join(workdir, KindProvider.clusterName(clusterId)))).toBe(false);
  });
});
