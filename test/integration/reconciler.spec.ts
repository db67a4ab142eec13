import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { openDatabase, type DatabaseHandle } from '../../src/persistence/database.js';
import { uuidv7 } from '../../src/domain/ids.js';
import { clusterSpec } from '../support/factories.js';
import { ReconcileHarness } from '../support/reconcile-harness.js';

describe('cluster reconciler on the embedded database', () => {
  let database: DatabaseHandle;
  let h: ReconcileHarness;

  beforeAll(async () => {
    database = await openDatabase({ inMemory: true });
    h = new ReconcileHarness(database, { bootMs: 30, deleteMs: 20 });
    await h.seedProject();
  }, 60_000);

  afterAll(async () => {
    await database.close();
  });

  it('creates a cluster: every step done, observedGeneration set, Running with Ready nodes', async () => {
    const { cluster, operationId } = await h.createCluster(
      'create',
      clusterSpec({
        nodePools: [
          { name: 'a', replicas: 2 },
          { name: 'b', replicas: 1 },
        ],
      }),
    );
    const outcomes = await h.reconcileUntilSettled(cluster.id);
    expect(outcomes.at(-1)!.result).toBe('converged');
    const { operation, steps } = await h.operationState(operationId);
    expect(operation.status).toBe('Succeeded');
    expect(steps.map((s) => [s.name, s.status, s.done, s.total])).toEqual([
      ['infrastructure', 'Done', 1, 1],
      ['control-plane', 'Done', 1, 1],
      ['node-pool/a', 'Done', 2, 2],
      ['node-pool/b', 'Done', 1, 1],
      ['nodes-ready', 'Done', 4, 4],
    ]);
    const after = (await h.repos.clusters.findById(cluster.id))!;
    expect(after.observedGeneration).toBe(1);
    expect(after.status.phase).toBe('Running');
    expect(after.status.nodeCounts).toEqual({ desired: 4, total: 4, ready: 4 });
    expect(after.status.conditions.find((c) => c.type === 'Ready')).toMatchObject({
      status: 'True',
    });
    expect(after.status.endpoint).toMatch(/^https:\/\/10\.0\.0\.\d+:6443$/);
    expect((await h.provider.listMachines({ ...after, spec: after.spec })).length).toBe(4);
  });

  it('scales a pool up and down, removing the newest machines', async () => {
    const { cluster } = await h.createCluster(
      'scale',
      clusterSpec({ nodePools: [{ name: 'w', replicas: 2 }] }),
    );
    await h.reconcileUntilSettled(cluster.id);
    const firstTwo = (await h.repos.machines.listExisting(cluster.id))
      .filter((m) => m.pool === 'w')
      .map((m) => m.name);

    const up = await h.changeSpec(
      cluster.id,
      clusterSpec({ nodePools: [{ name: 'w', replicas: 5 }] }),
    );
    await h.reconcileUntilSettled(cluster.id);
    expect((await h.operationState(up)).operation.status).toBe('Succeeded');
    expect(
      (await h.repos.machines.listExisting(cluster.id)).filter((m) => m.pool === 'w'),
    ).toHaveLength(5);

    const down = await h.changeSpec(
      cluster.id,
      clusterSpec({ nodePools: [{ name: 'w', replicas: 2 }] }),
    );
    await h.reconcileUntilSettled(cluster.id);
    expect((await h.operationState(down)).operation.status).toBe('Succeeded');
    const left = (await h.repos.machines.listExisting(cluster.id))
      .filter((m) => m.pool === 'w')
      .map((m) => m.name);
    expect(left.sort()).toEqual(firstTwo.sort());
    const atProvider = await h.provider.listMachines({
      id: cluster.id,
      name: 'scale',
      projectId: h.projectId,
      spec: cluster.spec,
    });
    expect(atProvider.map((m) => m.name).sort()).toEqual(
      [
        ...left,
        ...(await h.repos.machines.listExisting(cluster.id))
          .filter((m) => m.role === 'control-plane')
          .map((m) => m.name),
      ].sort(),
    );
    expect((await h.repos.clusters.findById(cluster.id))!.status.nodePools).toEqual([
      { name: 'w', desiredReplicas: 2, replicas: 2, readyReplicas: 2, versions: ['1.37.2'] },
    ]);
  });

  it('deletes everything and verifies nothing tagged is left', async () => {
    const { cluster } = await h.createCluster('delete', clusterSpec());
    await h.reconcileUntilSettled(cluster.id);
    const deleteOp = await h.requestDelete(cluster.id);
    const outcomes = await h.reconcileUntilSettled(cluster.id);
    expect(outcomes.at(-1)!.result).toBe('deleted');
    expect((await h.operationState(deleteOp)).operation.status).toBe('Succeeded');
    expect(await h.provider.listTaggedResources(cluster.id)).toEqual([]);
    expect((await h.repos.clusters.findById(cluster.id))!.deletedAt).not.toBeNull();
    expect(await h.repos.machines.listExisting(cluster.id)).toEqual([]);
  });

  it('adopts a machine created just before a crash instead of creating a second one', async () => {
    const spec = clusterSpec({ nodePools: [{ name: 'w', replicas: 1 }] });
    const { cluster } = await h.createCluster('adopt', spec);
    // The worker recorded the machine and called the provider, then died before recording the result.
    const name = 'adopt-w-crash';
    await h.repos.machines.insertMany([
      {
        id: uuidv7(),
        clusterId: cluster.id,
        name,
        role: 'worker',
        pool: 'w',
        phase: 'Pending',
        version: '1.37.2',
      },
    ]);
    await h.provider.createMachine(
      { id: cluster.id, name: 'adopt', projectId: h.projectId, spec },
      { name, role: 'worker', version: '1.37.2', flavor: 'standard' },
    );
    await h.reconcileUntilSettled(cluster.id);
    const machines = await h.provider.listMachines({
      id: cluster.id,
      name: 'adopt',
      projectId: h.projectId,
      spec,
    });
    expect(machines.map((m) => m.name).filter((n) => n.startsWith('adopt-w-'))).toEqual([name]);
    expect(machines).toHaveLength(2);
  });

  it('deletes machines the provider has but the database never recorded', async () => {
    const spec = clusterSpec({ nodePools: [] });
    const { cluster } = await h.createCluster('orphan', spec);
    await h.reconcileUntilSettled(cluster.id);
    const ref = { id: cluster.id, name: 'orphan', projectId: h.projectId, spec };
    await h.provider.createMachine(ref, {
      name: 'orphan-w-never',
      role: 'worker',
      version: '1.37.2',
      flavor: 'standard',
    });
    await h.requestDelete(cluster.id);
    await h.reconcileUntilSettled(cluster.id);
    expect(await h.provider.listTaggedResources(cluster.id)).toEqual([]);
  });

  it('retries a transient provider error, showing it on the Operation meanwhile', async () => {
    const { cluster, operationId } = await h.createCluster('flaky', clusterSpec());
    h.faults.inject('createMachine', 'transient', 2);
    const reconciler = h.reconciler();
    const outcomes = [];
    for (let i = 0; i < 3; i++) outcomes.push(await reconciler.reconcile(cluster.id));
    expect(outcomes.map((o) => o.result)).toContain('retrying');
    const during = await h.operationState(operationId);
    expect(during.operation.status).toBe('Running');
    expect(during.operation.lastError).toMatchObject({
      reason: 'ProviderUnavailable',
      message: expect.stringContaining('injected transient failure'),
    });
    const status = (await h.repos.clusters.findById(cluster.id))!.status;
    expect(status.conditions.find((c) => c.type === 'Reconciling')).toMatchObject({
      status: 'True',
      reason: 'TransientError',
    });
    await h.reconcileUntilSettled(cluster.id);
    expect((await h.operationState(operationId)).operation.status).toBe('Succeeded');
  });

  it('fails the Operation with the reason of a terminal error and stops acting', async () => {
    const { cluster, operationId } = await h.createCluster('doomed', clusterSpec());
    h.faults.inject('ensureInfrastructure', 'terminal', 1);
    const outcomes = await h.reconcileUntilSettled(cluster.id);
    expect(outcomes.at(-1)!.result).toBe('failed');
    const { operation, steps } = await h.operationState(operationId);
    expect(operation.status).toBe('Failed');
    expect(operation.error).toMatchObject({ reason: 'ProviderRejected' });
    expect(steps[0]).toMatchObject({ name: 'infrastructure', status: 'Failed' });
    expect(steps.slice(1).every((s) => s.status === 'Cancelled')).toBe(true);
    expect((await h.repos.clusters.findById(cluster.id))!.status.phase).toBe('Failed');
    // Nothing more happens until the user acts.
    expect((await h.reconciler().reconcile(cluster.id)).result).toBe('idle');
  });

  it('stops at a cancel, pauses the cluster and resumes on the next spec change', async () => {
    const spec = clusterSpec({ nodePools: [{ name: 'w', replicas: 3 }] });
    const { cluster, operationId } = await h.createCluster('cancel', spec);
    await h.reconciler().reconcile(cluster.id);
    await h.repos.operations.transition(operationId, ['Pending', 'Running'], 'Cancelling');
    const outcome = await h.reconciler().reconcile(cluster.id);
    expect(outcome.result).toBe('cancelled');
    expect((await h.operationState(operationId)).operation.status).toBe('Cancelled');
    const paused = (await h.repos.clusters.findById(cluster.id))!;
    expect(paused.pausedGeneration).toBe(paused.generation);
    expect(paused.status.conditions.find((c) => c.type === 'Reconciling')).toMatchObject({
      reason: 'Paused',
    });
    const resumed = await h.changeSpec(
      cluster.id,
      clusterSpec({ nodePools: [{ name: 'w', replicas: 2 }] }),
    );
    await h.reconcileUntilSettled(cluster.id);
    expect((await h.operationState(resumed)).operation.status).toBe('Succeeded');
    expect(
      (await h.repos.machines.listExisting(cluster.id)).filter((m) => m.pool === 'w'),
    ).toHaveLength(2);
  });

  it('lets only one worker reconcile a cluster at a time', async () => {
    const { cluster } = await h.createCluster('leased', clusterSpec());
    expect(await h.repos.clusters.acquireLease(cluster.id, 'someone-else', 30)).toBe(true);
    expect((await h.reconciler('worker-b').reconcile(cluster.id)).result).toBe('locked');
    await h.repos.clusters.releaseLease(cluster.id, 'someone-else');
    expect((await h.reconciler('worker-b').reconcile(cluster.id)).result).not.toBe('locked');
  });
});
