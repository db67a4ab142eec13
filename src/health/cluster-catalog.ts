import type { WatchableVersion } from '../persistence/cluster-health.repository.js';
import type { WatchedMachine } from './repair-policy.js';
import type { WatchableCluster } from './tenant-connector.js';

export interface CatalogStore {
  watchableVersions(): Promise<Map<string, WatchableVersion>>;
  watchableClusters(ids: readonly string[]): Promise<WatchableCluster[]>;
  watchableMachines(clusterIds: readonly string[]): Promise<Map<string, WatchedMachine[]>>;
}

/** Ids per query: well under PostgreSQL's limit on bind parameters, and small result sets. */
const BATCH = 500;

function* batches<T>(items: readonly T[]): Generator<T[]> {
  for (let i = 0; i < items.length; i += BATCH) yield items.slice(i, i + BATCH);
}

/**
 * The clusters to watch and their machines, as last read, re-read only where they changed. Each
 * refresh reads every cluster's generation and a digest of its machines; a cluster's row is read
 * again when its generation moved (its spec changed), and its machines when their digest did.
 * Between changes the same objects are handed out, so a discovery that finds nothing new
 * allocates almost nothing.
 */
export class ClusterCatalog {
  private readonly clusters = new Map<string, WatchableCluster>();
  private readonly machines = new Map<string, { digest: string | null; list: WatchedMachine[] }>();
  private versions = new Map<string, WatchableVersion>();

  constructor(private readonly store: CatalogStore) {}

  /** Every cluster to watch now: live and not being deleted. */
  async refresh(): Promise<WatchableCluster[]> {
    const versions = await this.store.watchableVersions();
    this.versions = versions;
    for (const id of this.clusters.keys()) if (!versions.has(id)) this.clusters.delete(id);
    const stale = [...versions]
      .filter(([id, version]) => this.clusters.get(id)?.generation !== version.generation)
      .map(([id]) => id);
    for (const ids of batches(stale)) {
      const found = new Set<string>();
      for (const cluster of await this.store.watchableClusters(ids)) {
        this.clusters.set(cluster.id, cluster);
        found.add(cluster.id);
      }
      // Deleted or being deleted since the versions were read.
      for (const id of ids) if (!found.has(id)) this.clusters.delete(id);
    }
    return [...this.clusters.values()];
  }

  /**
   * The machines of these clusters (as of the last refresh or later). Machines of clusters not
   * asked for are forgotten: another monitor watches those.
   */
  async machinesOf(clusterIds: readonly string[]): Promise<Map<string, WatchedMachine[]>> {
    const asked = new Set(clusterIds);
    for (const id of this.machines.keys()) if (!asked.has(id)) this.machines.delete(id);
    const stale = clusterIds.filter((id) => {
      const cached = this.machines.get(id);
      return !cached || cached.digest !== (this.versions.get(id)?.machines ?? null);
    });
    for (const ids of batches(stale)) {
      const read = await this.store.watchableMachines(ids);
      // A change after the digest was taken is read now and again at the next refresh: the
      // digest kept is the older one.
      for (const id of ids)
        this.machines.set(id, {
          digest: this.versions.get(id)?.machines ?? null,
          list: read.get(id) ?? [],
        });
    }
    return new Map(clusterIds.map((id) => [id, this.machines.get(id)?.list ?? []]));
  }
}
