import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { uuidv7 } from '../../src/domain/ids.js';
import { initialStatus } from '../../src/domain/cluster.js';
import { ClusterHealthRepository } from '../../src/persistence/cluster-health.repository.js';
import { repositories, type Repositories } from '../../src/persistence/repositories.js';
import { openTestDatabase } from '../support/postgres.js';
import { clusterSpec } from '../support/factories.js';

/**
 * What the health monitor reads at each discovery to learn which clusters and machines changed:
 * a cluster's generation and a digest of its machines, on both databases kaas runs on.
 */
describe.each([
  ['PostgreSQL', 'postgres'],
  ['embedded PGlite', 'embedded'],
] as const)('watchable versions on %s', (_label, kind) => {
  let close: (() => Promise<void>) | undefined;
  let repos: Repositories;
  let store: ClusterHealthRepository;
  let projectId = '';

  beforeAll(async () => {
    const opened = await openTestDatabase(kind);
    close = opened.close;
    const database = opened.database;
    repos = repositories(database.db);
    store = new ClusterHealthRepository(database.db);
    projectId = uuidv7();
    await repos.projects.insert({
      id: projectId,
      name: 'versions',
      quotaClusters: 9,
      quotaNodes: 90,
    });
  }, 60_000);

  afterAll(async () => {
    await close?.();
  });

  const newCluster = async (name: string, machines: number) => {
    const cluster = await repos.clusters.insert({
      id: uuidv7(),
      projectId,
      name,
      spec: clusterSpec(),
      status: initialStatus(),
    });
    const rows = Array.from({ length: machines }, (_, i) => ({
      id: uuidv7(),
      clusterId: cluster.id,
      name: `${name}-m${i}`,
      role: 'worker' as const,
      pool: 'workers',
      phase: 'Running' as const,
      nodeName: `${name}-m${i}`,
      version: '1.37.2',
    }));
    await repos.machines.insertMany(rows);
    return { cluster, machineIds: rows.map((r) => r.id) };
  };
  const versionOf = async (id: string) => (await store.watchableVersions()).get(id);

  it('changes the digest when a machine the monitor reads changes, and only then', async () => {
    const { cluster, machineIds } = await newCluster('digest', 3);
    const first = await versionOf(cluster.id);
    expect(first).toEqual({ generation: 1, machines: expect.stringMatching(/^[0-9a-f]{32}$/) });
    expect(await versionOf(cluster.id)).toEqual(first);

    // Columns the monitor does not read: the digest stays.
    await repos.machines.update(machineIds[0]!, { providerId: 'fake://x', replaceReason: 'r' });
    expect((await versionOf(cluster.id))!.machines).toBe(first!.machines);

    const seen = new Set([first!.machines]);
    const expectNew = async () => {
      const now = (await versionOf(cluster.id))!.machines;
      expect(seen.has(now)).toBe(false);
      seen.add(now);
    };
    await repos.machines.update(machineIds[0]!, { phase: 'Failed' });
    await expectNew();
    await repos.machines.update(machineIds[1]!, { failureReason: 'disk' });
    await expectNew();
    await repos.machines.update(machineIds[1]!, { drainStartedAt: new Date() });
    await expectNew();
    await repos.machines.update(machineIds[2]!, { nodeName: null });
    await expectNew();
    // A machine gone (soft-deleted) or added.
    await repos.machines.update(machineIds[2]!, { phase: 'Deleted' });
    await expectNew();
    await repos.machines.insertMany([
      {
        id: uuidv7(),
        clusterId: cluster.id,
        name: 'digest-new',
        role: 'worker',
        pool: 'workers',
        phase: 'Provisioning',
        version: '1.37.2',
      },
    ]);
    await expectNew();
    // The machines as read match what the digest stands for: the deleted one is not among them.
    const read = (await store.watchableMachines([cluster.id])).get(cluster.id)!;
    expect(read.map((m) => m.name).sort()).toEqual(['digest-m0', 'digest-m1', 'digest-new']);
  });

  it('moves the generation with the spec, and leaves out clusters being deleted', async () => {
    const { cluster } = await newCluster('gen', 0);
    expect(await versionOf(cluster.id)).toEqual({ generation: 1, machines: null });
    const updated = await repos.clusters.updateSpec(
      cluster.id,
      cluster.resourceVersion,
      clusterSpec({ nodePools: [{ name: 'workers', replicas: 3 }] }),
    );
    expect((await versionOf(cluster.id))!.generation).toBe(2);
    const [row] = await store.watchableClusters([cluster.id]);
    expect(row).toMatchObject({ id: cluster.id, generation: 2, name: 'gen' });
    expect(row!.spec.nodePools[0]!.replicas).toBe(3);

    await repos.clusters.requestDeletion(updated!.id);
    expect(await versionOf(cluster.id)).toBeUndefined();
    expect(await store.watchableClusters([cluster.id])).toEqual([]);
  });
});
