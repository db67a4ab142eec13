import { and, asc, eq, gt, isNull, ne } from 'drizzle-orm';
import type { Db } from './database.js';
import { machines } from './schema.js';
import type { MachineRecord } from './records.js';
import type { MachinePhase } from '../domain/machine.js';

export class MachinesRepository {
  constructor(private readonly db: Db) {}

  async insertMany(rows: (typeof machines.$inferInsert)[]): Promise<MachineRecord[]> {
    if (rows.length === 0) return [];
    return this.db.insert(machines).values(rows).returning();
  }

  /** Every machine not yet gone, control plane first, oldest first. */
  async listExisting(clusterId: string): Promise<MachineRecord[]> {
    return this.db
      .select()
      .from(machines)
      .where(and(eq(machines.clusterId, clusterId), ne(machines.phase, 'Deleted')))
      .orderBy(asc(machines.role), asc(machines.id));
  }

  async list(
    clusterId: string,
    options: { after?: string; limit: number; pool?: string },
  ): Promise<MachineRecord[]> {
    return this.db
      .select()
      .from(machines)
      .where(
        and(
          eq(machines.clusterId, clusterId),
          isNull(machines.deletedAt),
          options.pool ? eq(machines.pool, options.pool) : undefined,
          options.after ? gt(machines.id, options.after) : undefined,
        ),
      )
      .orderBy(asc(machines.id))
      .limit(options.limit);
  }

  async update(
    id: string,
    changes: Partial<
      Pick<
        MachineRecord,
        'phase' | 'providerId' | 'nodeName' | 'failureReason' | 'drainStartedAt' | 'replaceReason'
      >
    >,
  ): Promise<void> {
    const deletedAt = changes.phase === 'Deleted' ? new Date() : undefined;
    await this.db
      .update(machines)
      .set({ ...changes, ...(deletedAt ? { deletedAt } : {}), updatedAt: new Date() })
      .where(eq(machines.id, id));
  }

  async setPhase(id: string, phase: MachinePhase): Promise<void> {
    await this.update(id, { phase });
  }
}
