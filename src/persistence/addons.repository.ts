import { and, eq } from 'drizzle-orm';
import type { AddonPhase } from '../domain/cluster.js';
import type { ObjectRef } from '../kube/object-ref.js';
import type { Db } from './database.js';
import { clusterAddons } from './schema.js';

export type ClusterAddonRecord = typeof clusterAddons.$inferSelect;

export class AddonsRepository {
  constructor(private readonly db: Db) {}

  async list(clusterId: string): Promise<ClusterAddonRecord[]> {
    return this.db
      .select()
      .from(clusterAddons)
      .where(eq(clusterAddons.clusterId, clusterId))
      .orderBy(clusterAddons.name);
  }

  async find(clusterId: string, name: string): Promise<ClusterAddonRecord | undefined> {
    const [row] = await this.db
      .select()
      .from(clusterAddons)
      .where(and(eq(clusterAddons.clusterId, clusterId), eq(clusterAddons.name, name)));
    return row;
  }

  /** Records the add-on's state; the inventory is replaced only when given. */
  async save(row: {
    clusterId: string;
    name: string;
    version: string;
    fingerprint: string;
    phase: AddonPhase;
    message: string | null;
    generation: number;
    inventory?: ObjectRef[];
  }): Promise<void> {
    const { inventory, ...fields } = row;
    const set = { ...fields, updatedAt: new Date(), ...(inventory ? { inventory } : {}) };
    await this.db
      .insert(clusterAddons)
      .values({ ...set, inventory: inventory ?? [] })
      .onConflictDoUpdate({ target: [clusterAddons.clusterId, clusterAddons.name], set });
  }

  async setMessage(clusterId: string, name: string, message: string): Promise<void> {
    await this.db
      .update(clusterAddons)
      .set({ message, updatedAt: new Date() })
      .where(and(eq(clusterAddons.clusterId, clusterId), eq(clusterAddons.name, name)));
  }

  async delete(clusterId: string, name: string): Promise<void> {
    await this.db
      .delete(clusterAddons)
      .where(and(eq(clusterAddons.clusterId, clusterId), eq(clusterAddons.name, name)));
  }
}
