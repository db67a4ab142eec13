import { and, eq, gt, inArray, isNotNull, isNull, lt, sql } from 'drizzle-orm';
import type { Db } from './database.js';
import { clusterHealth, clusters, healthMonitors, machines } from './schema.js';
import type { WatchableCluster } from '../health/tenant-connector.js';
import type { WatchedMachine } from '../health/repair-policy.js';

export type ClusterHealthRecord = typeof clusterHealth.$inferSelect;
export type StoredShortCircuit = NonNullable<ClusterHealthRecord['shortCircuit']>;

/** A cluster to watch as of now, without its spec or machines (see `watchableVersions`). */
export interface WatchableVersion {
  generation: number;
  /** A digest of the cluster's live machines; null when it has none. */
  machines: string | null;
}

export class ClusterHealthRepository {
  constructor(private readonly db: Db) {}

  async findMany(clusterIds: readonly string[]): Promise<Map<string, ClusterHealthRecord>> {
    if (clusterIds.length === 0) return new Map();
    const rows = await this.db
      .select()
      .from(clusterHealth)
      .where(inArray(clusterHealth.clusterId, [...clusterIds]));
    return new Map(rows.map((r) => [r.clusterId, r]));
  }

  /** Every cluster whose repair is short-circuited now: few, read by the API for its view. */
  async shortCircuited(): Promise<Map<string, StoredShortCircuit>> {
    const rows = await this.db
      .select({ clusterId: clusterHealth.clusterId, shortCircuit: clusterHealth.shortCircuit })
      .from(clusterHealth)
      .where(isNotNull(clusterHealth.shortCircuit));
    return new Map(rows.flatMap((r) => (r.shortCircuit ? [[r.clusterId, r.shortCircuit]] : [])));
  }

  /**
   * What each cluster to watch (live, not being deleted) is now, in a few bytes: its generation,
   * which changes with its spec, and a digest of its live machines as the monitor reads them
   * (null without any). The monitor reads the clusters and machines themselves only where these
   * changed: at 1,000 clusters of 20 machines a full read every discovery was most of its CPU
   * and ~40 MiB of its peak RSS (bench/README.md).
   */
  async watchableVersions(): Promise<Map<string, WatchableVersion>> {
    // Written out rather than through the schema's columns: drizzle leaves a column of a
    // one-table select unqualified, and inside this subquery "id" would be the machine's.
    const digest = sql<string | null>`(
      select md5(string_agg(row(m.id, m.name, m.role, m.pool, m.phase, m.node_name,
        m.created_at, m.failure_reason, m.drain_started_at)::text, ',' order by m.id))
      from machines m where m.cluster_id = "clusters"."id" and m.deleted_at is null)`;
    const rows = await this.db
      .select({ id: clusters.id, generation: clusters.generation, machines: digest })
      .from(clusters)
      .where(and(isNull(clusters.deletedAt), isNull(clusters.deletionRequestedAt)));
    return new Map(
      rows.map(({ id, generation, machines }) => [id, { generation, machines: machines ?? null }]),
    );
  }

  /** These clusters, if still to watch: live and not being deleted. */
  async watchableClusters(ids: readonly string[]): Promise<WatchableCluster[]> {
    if (ids.length === 0) return [];
    return this.db
      .select({
        id: clusters.id,
        name: clusters.name,
        projectId: clusters.projectId,
        generation: clusters.generation,
        spec: clusters.spec,
      })
      .from(clusters)
      .where(
        and(
          inArray(clusters.id, [...ids]),
          isNull(clusters.deletedAt),
          isNull(clusters.deletionRequestedAt),
        ),
      );
  }

  /** The live machines of these clusters, by cluster id, in one query. */
  async watchableMachines(clusterIds: readonly string[]): Promise<Map<string, WatchedMachine[]>> {
    const byCluster = new Map<string, WatchedMachine[]>();
    if (clusterIds.length === 0) return byCluster;
    const rows = await this.db
      .select({
        clusterId: machines.clusterId,
        id: machines.id,
        name: machines.name,
        role: machines.role,
        pool: machines.pool,
        phase: machines.phase,
        nodeName: machines.nodeName,
        createdAt: machines.createdAt,
        failureReason: machines.failureReason,
        drainStartedAt: machines.drainStartedAt,
      })
      .from(machines)
      .where(and(inArray(machines.clusterId, [...clusterIds]), isNull(machines.deletedAt)));
    for (const { clusterId, ...machine } of rows) {
      const list = byCluster.get(clusterId);
      if (list) list.push(machine);
      else byCluster.set(clusterId, [machine]);
    }
    return byCluster;
  }

  async saveRepairs(clusterId: string, repairs: ClusterHealthRecord['repairs']): Promise<void> {
    await this.db
      .insert(clusterHealth)
      .values({ clusterId, repairs })
      .onConflictDoUpdate({
        target: clusterHealth.clusterId,
        set: { repairs, updatedAt: new Date() },
      });
  }

  async saveShortCircuit(
    clusterId: string,
    shortCircuit: StoredShortCircuit | null,
  ): Promise<void> {
    await this.db
      .insert(clusterHealth)
      .values({ clusterId, shortCircuit })
      .onConflictDoUpdate({
        target: clusterHealth.clusterId,
        set: { shortCircuit, updatedAt: new Date() },
      });
  }

  /**
   * Writes this monitor's heartbeat and answers the monitors heard from within `liveSeconds`,
   * this one included, sorted. The database's clock judges, so the hosts' clocks do not matter.
   * Monitors silent for ten times as long are forgotten.
   */
  async heartbeat(monitorId: string, liveSeconds: number): Promise<string[]> {
    const ago = (seconds: number) => sql`now() - make_interval(secs => ${seconds}::float8)`;
    await this.db
      .insert(healthMonitors)
      .values({ id: monitorId })
      .onConflictDoUpdate({ target: healthMonitors.id, set: { heartbeatAt: sql`now()` } });
    await this.db
      .delete(healthMonitors)
      .where(lt(healthMonitors.heartbeatAt, ago(liveSeconds * 10)));
    const rows = await this.db
      .select({ id: healthMonitors.id })
      .from(healthMonitors)
      .where(gt(healthMonitors.heartbeatAt, ago(liveSeconds)));
    return rows.map((r) => r.id).sort();
  }

  /** A monitor that stops says so: the others take its clusters at their next discovery. */
  async leave(monitorId: string): Promise<void> {
    await this.db.delete(healthMonitors).where(eq(healthMonitors.id, monitorId));
  }
}
