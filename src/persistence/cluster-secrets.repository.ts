import { and, eq } from 'drizzle-orm';
import type { Db } from './database.js';
import { clusterSecrets } from './schema.js';

/** Stores envelopes only: encryption happens before, decryption after (src/security). */
export class ClusterSecretsRepository {
  constructor(private readonly db: Db) {}

  async find(clusterId: string, name: string): Promise<string | undefined> {
    const [row] = await this.db
      .select({ envelope: clusterSecrets.envelope })
      .from(clusterSecrets)
      .where(and(eq(clusterSecrets.clusterId, clusterId), eq(clusterSecrets.name, name)));
    return row?.envelope;
  }

  /** Keeps the first value ever stored, so two workers racing agree on one; returns it. */
  async putIfAbsent(clusterId: string, name: string, envelope: string): Promise<string> {
    await this.db
      .insert(clusterSecrets)
      .values({ clusterId, name, envelope })
      .onConflictDoNothing();
    return (await this.find(clusterId, name))!;
  }

  async delete(clusterId: string, name: string): Promise<void> {
    await this.db
      .delete(clusterSecrets)
      .where(and(eq(clusterSecrets.clusterId, clusterId), eq(clusterSecrets.name, name)));
  }

  async deleteAll(clusterId: string): Promise<void> {
    await this.db.delete(clusterSecrets).where(eq(clusterSecrets.clusterId, clusterId));
  }
}
