import { and, eq, lt } from 'drizzle-orm';
import type { Db } from './database.js';
import { idempotencyKeys } from './schema.js';

export interface StoredResponse {
  requestHash: string;
  statusCode: number;
  response: unknown;
}

export class IdempotencyRepository {
  constructor(private readonly db: Db) {}

  async find(projectId: string, key: string): Promise<StoredResponse | undefined> {
    const [row] = await this.db
      .select()
      .from(idempotencyKeys)
      .where(and(eq(idempotencyKeys.projectId, projectId), eq(idempotencyKeys.key, key)));
    return row;
  }

  /** Inserted in the same transaction as the change it answers for; a unique violation means a twin won. */
  async insert(projectId: string, key: string, stored: StoredResponse): Promise<void> {
    await this.db.insert(idempotencyKeys).values({ projectId, key, ...stored });
  }

  async complete(
    projectId: string,
    key: string,
    statusCode: number,
    response: unknown,
  ): Promise<void> {
    await this.db
      .update(idempotencyKeys)
      .set({ statusCode, response })
      .where(and(eq(idempotencyKeys.projectId, projectId), eq(idempotencyKeys.key, key)));
  }

  /** Forgets keys older than `before`: a retry that late is a new request. */
  async deleteOlderThan(before: Date): Promise<number> {
    const rows = await this.db
      .delete(idempotencyKeys)
      .where(lt(idempotencyKeys.createdAt, before))
      .returning({ key: idempotencyKeys.key });
    return rows.length;
  }
}
