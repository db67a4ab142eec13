import { and, desc, eq, lt } from 'drizzle-orm';
import type { Db } from './database.js';
import { clusterEvents } from './schema.js';

export type ClusterEventRecord = typeof clusterEvents.$inferSelect;
export type NewClusterEvent = Omit<typeof clusterEvents.$inferInsert, 'id' | 'at'>;

export class EventsRepository {
  constructor(private readonly db: Db) {}

  async insertMany(events: NewClusterEvent[]): Promise<void> {
    if (events.length > 0) await this.db.insert(clusterEvents).values(events);
  }

  /** Newest first; the cursor is the last id seen. */
  async list(
    clusterId: string,
    options: { before?: number; limit: number },
  ): Promise<ClusterEventRecord[]> {
    return this.db
      .select()
      .from(clusterEvents)
      .where(
        and(
          eq(clusterEvents.clusterId, clusterId),
          options.before ? lt(clusterEvents.id, options.before) : undefined,
        ),
      )
      .orderBy(desc(clusterEvents.id))
      .limit(options.limit);
  }
}
