import { describe, expect, it } from '@jest/globals';
import { ClusterCatalog, type CatalogStore } from '../../src/health/cluster-catalog.js';
import type { WatchedMachine } from '../../src/health/repair-policy.js';
import type { WatchableCluster } from '../../src/health/tenant-connector.js';
import type { WatchableVersion } from '../../src/persistence/cluster-health.repository.js';
import { clusterSpec } from '../support/factories.js';

/** A store of clusters and machines that counts what it is asked to read. */
function fakeStore(count: number) {
  const clusters = new Map<string, WatchableCluster>();
  const machines = new Map<string, WatchedMachine[]>();
  const digests = new Map<string, string | null>();
  const reads = { clusters: [] as string[][], machines: [] as string[][] };
  const machine = (clusterId: string, i: number): WatchedMachine => ({
    id: `${clusterId}-m${i}`,
    name: `${clusterId}-m${i}`,
    role: 'worker',
    pool: 'w',
    phase: 'Running',
    nodeName: `${clusterId}-m${i}`,
    createdAt: new Date(0),
    failureReason: null,
    drainStartedAt: null,
  });
  for (let c = 0; c < count; c++) {
    const id = `c${c}`;
    clusters.set(id, { id, name: id, projectId: 'p', generation: 1, spec: clusterSpec() });
    machines.set(id, [machine(id, 0), machine(id, 1)]);
    digests.set(id, `${id}:1`);
  }
  const store: CatalogStore = {
    watchableVersions: async () =>
      new Map<string, WatchableVersion>(
        [...clusters.values()].map((c) => [
          c.id,
          { generation: c.generation, machines: digests.get(c.id) ?? null },
        ]),
      ),
    watchableClusters: async (ids) => {
      reads.clusters.push([...ids]);
      return ids.flatMap((id) => (clusters.has(id) ? [structuredClone(clusters.get(id)!)] : []));
    },
    watchableMachines: async (ids) => {
      reads.machines.push([...ids]);
      return new Map(ids.map((id) => [id, structuredClone(machines.get(id) ?? [])]));
    },
  };
  return { store, clusters, machines, digests, reads };
}

describe('ClusterCatalog', () => {
  it('reads every cluster and its machines once, then nothing while nothing changes', async () => {
    const { store, reads } = fakeStore(1_200);
    const catalog = new ClusterCatalog(store);
    const first = await catalog.refresh();
    const ids = first.map((c) => c.id);
    const machinesFirst = await catalog.machinesOf(ids);
    expect(first).toHaveLength(1_200);
    // In batches, each well under PostgreSQL's limit on parameters.
    expect(reads.clusters.map((r) => r.length)).toEqual([500, 500, 200]);
    expect(reads.machines.map((r) => r.length)).toEqual([500, 500, 200]);

    const second = await catalog.refresh();
    const machinesSecond = await catalog.machinesOf(ids);
    expect(reads.clusters).toHaveLength(3);
    expect(reads.machines).toHaveLength(3);
    // The very same objects: the monitor sees by identity that nothing changed.
    expect(second.every((c, i) => c === first[i])).toBe(true);
    expect(ids.every((id) => machinesSecond.get(id) === machinesFirst.get(id))).toBe(true);
  });

  it('reads again only the cluster whose generation moved and the machines whose digest did', async () => {
    const { store, clusters, machines, digests, reads } = fakeStore(5);
    const catalog = new ClusterCatalog(store);
    const ids = (await catalog.refresh()).map((c) => c.id);
    const before = await catalog.machinesOf(ids);
    reads.clusters.length = 0;
    reads.machines.length = 0;

    clusters.get('c1')!.generation = 2;
    clusters.get('c1')!.spec = clusterSpec({ nodePools: [{ name: 'w', replicas: 7 }] });
    machines.get('c3')![0]!.phase = 'Failed';
    digests.set('c3', 'c3:2');

    const after = await catalog.refresh();
    const machinesAfter = await catalog.machinesOf(ids);
    expect(reads.clusters).toEqual([['c1']]);
    expect(reads.machines).toEqual([['c3']]);
    expect(after.find((c) => c.id === 'c1')!.spec.nodePools[0]!.replicas).toBe(7);
    expect(machinesAfter.get('c3')![0]!.phase).toBe('Failed');
    expect(machinesAfter.get('c2')).toBe(before.get('c2'));
  });

  it('drops clusters that are gone, and forgets the machines of clusters not asked for', async () => {
    const { store, clusters, reads } = fakeStore(3);
    const catalog = new ClusterCatalog(store);
    await catalog.machinesOf((await catalog.refresh()).map((c) => c.id));
    clusters.delete('c0');
    expect((await catalog.refresh()).map((c) => c.id)).toEqual(['c1', 'c2']);

    // c2 went to another monitor, then came back: its machines are read anew.
    await catalog.machinesOf(['c1']);
    reads.machines.length = 0;
    await catalog.machinesOf(['c1', 'c2']);
    expect(reads.machines).toEqual([['c2']]);
  });

  it('drops a cluster deleted between reading the versions and reading its row', async () => {
    const { store, clusters } = fakeStore(2);
    const catalog = new ClusterCatalog(store);
    await catalog.refresh();
    clusters.get('c1')!.generation = 2;
    const racing: CatalogStore = {
      ...store,
      watchableClusters: async (ids) => {
        clusters.delete('c1');
        return store.watchableClusters(ids);
      },
    };
    const raced = new ClusterCatalog(racing);
    expect((await raced.refresh()).map((c) => c.id)).toEqual(['c0']);
  });
});
