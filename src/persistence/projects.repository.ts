import { and, asc, eq, gt, isNull } from 'drizzle-orm';
import type { Db } from './database.js';
import { apiTokens, projects } from './schema.js';
import type { ApiTokenRecord, ProjectRecord } from './records.js';

export class ProjectsRepository {
  constructor(private readonly db: Db) {}

  async insert(project: typeof projects.$inferInsert): Promise<ProjectRecord> {
    const [row] = await this.db.insert(projects).values(project).returning();
    return row!;
  }

  async findByName(name: string): Promise<ProjectRecord | undefined> {
    const [row] = await this.db.select().from(projects).where(eq(projects.name, name));
    return row;
  }

  async findById(id: string): Promise<ProjectRecord | undefined> {
    const [row] = await this.db.select().from(projects).where(eq(projects.id, id));
    return row;
  }

  async list(options: {
    after?: string;
    limit: number;
    onlyId?: string;
  }): Promise<ProjectRecord[]> {
    return this.db
      .select()
      .from(projects)
      .where(
        and(
          options.after ? gt(projects.id, options.after) : undefined,
          options.onlyId ? eq(projects.id, options.onlyId) : undefined,
        ),
      )
      .orderBy(asc(projects.id))
      .limit(options.limit);
  }
}

export class TokensRepository {
  constructor(private readonly db: Db) {}

  async insert(token: typeof apiTokens.$inferInsert): Promise<ApiTokenRecord> {
    const [row] = await this.db.insert(apiTokens).values(token).returning();
    return row!;
  }

  async findActiveByHash(tokenHash: string): Promise<ApiTokenRecord | undefined> {
    const [row] = await this.db
      .select()
      .from(apiTokens)
      .where(and(eq(apiTokens.tokenHash, tokenHash), isNull(apiTokens.revokedAt)));
    return row;
  }

  async countPlatformAdmins(): Promise<number> {
    const rows = await this.db
      .select({ id: apiTokens.id })
      .from(apiTokens)
      .where(and(isNull(apiTokens.projectId), isNull(apiTokens.revokedAt)));
    return rows.length;
  }

  async listForProject(projectId: string): Promise<ApiTokenRecord[]> {
    return this.db
      .select()
      .from(apiTokens)
      .where(and(eq(apiTokens.projectId, projectId), isNull(apiTokens.revokedAt)))
      .orderBy(asc(apiTokens.id));
  }

  async revoke(projectId: string, id: string): Promise<boolean> {
    const rows = await this.db
      .update(apiTokens)
      .set({ revokedAt: new Date() })
      .where(
        and(eq(apiTokens.id, id), eq(apiTokens.projectId, projectId), isNull(apiTokens.revokedAt)),
      )
      .returning({ id: apiTokens.id });
    return rows.length === 1;
  }
}
