import { and, asc, eq, gt, inArray, isNull, isNotNull, lt, or, sql } from 'drizzle-orm';
import type { ClusterSpec, ClusterStatus } from '../domain/cluster.js';
import type { Db } from './database.js';
import { clusters, operations } from './schema.js';
import type { ClusterRecord } from './records.js';
import { ACTIVE_OPERATION_STATUSES } from '../domain/operation.js';

export class ClustersRepository {
  constructor(private readonly db: Db) {}

  async insert(cluster: typeof clusters.$inferInsert): Promise<ClusterRecord> {
    const [row] = await this.db.insert(clusters).values(cluster).returning();
    return row!;
  }

  async findLiveByName(projectId: string, name: string): Promise<ClusterRecord | undefined> {
    const [row] = await this.db
      .select()
      .from(clusters)
      .where(
        and(eq(clusters.projectId, projectId), eq(clusters.name, name), isNull(clusters.deletedAt)),
      );
    return row;
  }

  async findById(id: string): Promise<ClusterRecord | undefined> {
    const [row] = await this.db.select().from(clusters).where(eq(clusters.id, id));
    return row;
  }

  async listLive(
    projectId: string,
    options: { after?: string; limit: number },
  ): Promise<ClusterRecord[]> {
    return this.db
      .select()
      .from(clusters)
      .where(
        and(
          eq(clusters.projectId, projectId),
          isNull(clusters.deletedAt),
          options.after ? gt(clusters.id, options.after) : undefined,
        ),
      )
      .orderBy(asc(clusters.id))
      .limit(options.limit);
  }

  /** One page of a project's live clusters, ids and names only. */
  async listLiveNames(
    projectId: string,
    options: { after?: string; limit: number },
  ): Promise<{ id: string; name: string }[]> {
    return this.db
      .select({ id: clusters.id, name: clusters.name })
      .from(clusters)
      .where(
        and(
          eq(clusters.projectId, projectId),
          isNull(clusters.deletedAt),
          options.after ? gt(clusters.id, options.after) : undefined,
        ),
      )
      .orderBy(asc(clusters.id))
      .limit(options.limit);
  }

  async findLiveByNames(projectId: string, names: readonly string[]): Promise<ClusterRecord[]> {
    if (names.length === 0) return [];
    return this.db
      .select()
      .from(clusters)
      .where(
        and(
          eq(clusters.projectId, projectId),
          inArray(clusters.name, [...names]),
          isNull(clusters.deletedAt),
        ),
      );
  }

  async liveSpecs(projectId: string): Promise<Pick<ClusterRecord, 'id' | 'spec'>[]> {
    return this.db
      .select({ id: clusters.id, spec: clusters.spec })
      .from(clusters)
      .where(and(eq(clusters.projectId, projectId), isNull(clusters.deletedAt)));
  }

  /** Replaces the spec when the caller saw the current resourceVersion; undefined otherwise. */
  async updateSpec(
    id: string,
    expectedResourceVersion: number,
    spec: ClusterSpec,
  ): Promise<ClusterRecord | undefined> {
    const [row] = await this.db
      .update(clusters)
      .set({
        spec,
        generation: sql`${clusters.generation} + 1`,
        resourceVersion: sql`${clusters.resourceVersion} + 1`,
        pausedGeneration: null,
        updatedAt: new Date(),
      })
      .where(
        and(
          eq(clusters.id, id),
          eq(clusters.resourceVersion, expectedResourceVersion),
          isNull(clusters.deletionRequestedAt),
        ),
      )
      .returning();
    return row;
  }

  async requestDeletion(id: string): Promise<ClusterRecord | undefined> {
    const [row] = await this.db
      .update(clusters)
      .set({
        deletionRequestedAt: new Date(),
        generation: sql`${clusters.generation} + 1`,
        resourceVersion: sql`${clusters.resourceVersion} + 1`,
        pausedGeneration: null,
        updatedAt: new Date(),
      })
      .where(and(eq(clusters.id, id), isNull(clusters.deletionRequestedAt)))
      .returning();
    return row;
  }

  /** Status is the reconciler's alone: it never touches spec, generation or resourceVersion. */
  async writeStatus(id: string, status: ClusterStatus, observedGeneration?: number): Promise<void> {
    await this.db
      .update(clusters)
      .set({
        status,
        ...(observedGeneration === undefined ? {} : { observedGeneration }),
        updatedAt: new Date(),
      })
      .where(eq(clusters.id, id));
  }

  async pauseAt(id: string, generation: number): Promise<void> {
    await this.db.update(clusters).set({ pausedGeneration: generation }).where(eq(clusters.id, id));
  }

  async markDeleted(id: string): Promise<void> {
    await this.db
      .update(clusters)
      .set({ deletedAt: new Date(), leaseOwner: null, leaseExpiresAt: null })
      .where(eq(clusters.id, id));
  }

  /** Takes or renews the per-cluster lease; false while another worker holds it. */
  async acquireLease(id: string, owner: string, seconds: number): Promise<boolean> {
    const rows = await this.db
      .update(clusters)
      .set({
        leaseOwner: owner,
        leaseExpiresAt: sql`now() + make_interval(secs => ${seconds})`,
      })
      .where(
        and(
          eq(clusters.id, id),
          or(
            isNull(clusters.leaseOwner),
            eq(clusters.leaseOwner, owner),
            lt(clusters.leaseExpiresAt, sql`now()`),
          ),
        ),
      )
      .returning({ id: clusters.id });
    return rows.length === 1;
  }

  async releaseLease(id: string, owner: string): Promise<void> {
    await this.db
      .update(clusters)
      .set({ leaseOwner: null, leaseExpiresAt: null })
      .where(and(eq(clusters.id, id), eq(clusters.leaseOwner, owner)));
  }

  /**
   * Clusters that need a reconcile even if their job was lost: an Operation still active, a
   * deletion not finished, or a lease left behind by a dead worker.
   */
  /** Every cluster not deleted (deleting ones included), oldest first. */
  async findLiveIds(): Promise<string[]> {
    const rows = await this.db
      .select({ id: clusters.id })
      .from(clusters)
      .where(isNull(clusters.deletedAt))
      .orderBy(asc(clusters.id));
    return rows.map((r) => r.id);
  }

  async findNeedingResync(limit: number): Promise<string[]> {
    const withActiveOperation = this.db
      .select({ id: operations.clusterId })
      .from(operations)
      .where(inArray(operations.status, [...ACTIVE_OPERATION_STATUSES]));
    const rows = await this.db
      .select({ id: clusters.id })
      .from(clusters)
      .where(
        and(
          isNull(clusters.deletedAt),
          or(
            inArray(clusters.id, withActiveOperation),
            and(isNotNull(clusters.leaseOwner), lt(clusters.leaseExpiresAt, sql`now()`)),
          ),
        ),
      )
      .orderBy(asc(clusters.id))
      .limit(limit);
    return rows.map((r) => r.id);
  }
}
