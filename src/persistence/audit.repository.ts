import { and, desc, eq, lt } from 'drizzle-orm';
import type { Db } from './database.js';
import { auditRecords } from './schema.js';
import type { AuditRecord } from './records.js';

export class AuditRepository {
  constructor(private readonly db: Db) {}

  async insert(record: typeof auditRecords.$inferInsert): Promise<void> {
    await this.db.insert(auditRecords).values(record);
  }

  /** Newest first; the cursor is the last id seen. */
  async list(
    projectName: string,
    options: { before?: number; limit: number },
  ): Promise<AuditRecord[]> {
    return this.db
      .select()
      .from(auditRecords)
      .where(
        and(
          eq(auditRecords.projectName, projectName),
          options.before ? lt(auditRecords.id, options.before) : undefined,
        ),
      )
      .orderBy(desc(auditRecords.id))
      .limit(options.limit);
  }
}
