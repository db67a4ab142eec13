import { and, asc, eq } from 'drizzle-orm';
import type { Db } from './database.js';
import type { OpenStackCloudRecord } from './records.js';
import { clusters, openstackCloudGrants, openstackClouds, projects } from './schema.js';
import { sql } from 'drizzle-orm';

export class CloudsRepository {
  constructor(private readonly db: Db) {}

  async insert(cloud: typeof openstackClouds.$inferInsert): Promise<OpenStackCloudRecord> {
    const [row] = await this.db.insert(openstackClouds).values(cloud).returning();
    return row!;
  }

  async findByName(name: string): Promise<OpenStackCloudRecord | undefined> {
    const [row] = await this.db
      .select()
      .from(openstackClouds)
      .where(eq(openstackClouds.name, name));
    return row;
  }

  async list(): Promise<OpenStackCloudRecord[]> {
    return this.db.select().from(openstackClouds).orderBy(asc(openstackClouds.name));
  }

  async delete(id: string): Promise<void> {
    await this.db.delete(openstackClouds).where(eq(openstackClouds.id, id));
  }

  async grant(cloudId: string, projectId: string): Promise<void> {
    await this.db.insert(openstackCloudGrants).values({ cloudId, projectId }).onConflictDoNothing();
  }

  async revoke(cloudId: string, projectId: string): Promise<void> {
    await this.db
      .delete(openstackCloudGrants)
      .where(
        and(
          eq(openstackCloudGrants.cloudId, cloudId),
          eq(openstackCloudGrants.projectId, projectId),
        ),
      );
  }

  /** Names of the projects a cloud is granted to. */
  async grantees(cloudId: string): Promise<string[]> {
    const rows = await this.db
      .select({ name: projects.name })
      .from(openstackCloudGrants)
      .innerJoin(projects, eq(projects.id, openstackCloudGrants.projectId))
      .where(eq(openstackCloudGrants.cloudId, cloudId))
      .orderBy(asc(projects.name));
    return rows.map((r) => r.name);
  }

  async grantedTo(projectId: string): Promise<OpenStackCloudRecord[]> {
    const rows = await this.db
      .select({ cloud: openstackClouds })
      .from(openstackCloudGrants)
      .innerJoin(openstackClouds, eq(openstackClouds.id, openstackCloudGrants.cloudId))
      .where(eq(openstackCloudGrants.projectId, projectId))
      .orderBy(asc(openstackClouds.name));
    return rows.map((r) => r.cloud);
  }

  async isGranted(cloudId: string, projectId: string): Promise<boolean> {
    const [row] = await this.db
      .select({ cloudId: openstackCloudGrants.cloudId })
      .from(openstackCloudGrants)
      .where(
        and(
          eq(openstackCloudGrants.cloudId, cloudId),
          eq(openstackCloudGrants.projectId, projectId),
        ),
      );
    return row !== undefined;
  }

  /** Live clusters that name the cloud: a cloud in use cannot be removed. */
  async clustersUsing(cloudName: string): Promise<number> {
    const [row] = await this.db
      .select({ n: sql<number>`count(*)::int` })
      .from(clusters)
      .where(
        and(
          sql`${clusters.deletedAt} is null`,
          sql`${clusters.spec}->'openstack'->>'cloud' = ${cloudName}`,
        ),
      );
    return row?.n ?? 0;
  }
}
