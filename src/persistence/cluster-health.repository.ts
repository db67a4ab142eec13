import { and, eq, gt, inArray, isNotNull, isNull, lt, sql } from 'drizzle-orm';
import type { Db } from './database.js';
import { clusterHealth, clusters, healthMonitors, machines } from './schema.js';
import type { WatchableCluster } from '../health/tenant-connector.js';
import type { WatchedMachine } from '../health/repair-policy.js';

export type ClusterHealthRecord = typeof clusterHealth.$inferSelect;
export type StoredShortCircuit = NonNullable<ClusterHealthRecord['shortCircuit']>;

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

  /** Clusters to watch: live and not being deleted. */
  async watchableClusters(): Promise<WatchableCluster[]> {
    return this.db
      .select({
        id: clusters.id,
        name: clusters.name,
        projectId: clusters.projectId,
        generation: clusters.generation,
        spec: clusters.spec,
      })
      .from(clusters)
      .where(and(isNull(clusters.deletedAt), isNull(clusters.deletionRequestedAt)));
  }

  /** The live machines of every watchable cluster, by cluster id, in one query. */
  async watchableMachines(): Promise<Map<string, WatchedMachine[]>> {
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
      .innerJoin(clusters, eq(clusters.id, machines.clusterId))
      .where(
        and(
          isNull(machines.deletedAt),
          isNull(clusters.deletedAt),
          isNull(clusters.deletionRequestedAt),
        ),
      );
    const byCluster = new Map<string, WatchedMachine[]>();
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
