import { and, asc, desc, eq, gt, inArray, sql } from 'drizzle-orm';
import type { Db } from './database.js';
import { operationSteps, operations } from './schema.js';
import type { OperationRecord, OperationStepRecord } from './records.js';
import {
  ACTIVE_OPERATION_STATUSES,
  type OperationError,
  type OperationStatus,
  type PlannedStep,
  type StepStatus,
} from '../domain/operation.js';

export interface OperationWithSteps {
  operation: OperationRecord;
  steps: OperationStepRecord[];
}

export class OperationsRepository {
  constructor(private readonly db: Db) {}

  async insert(
    operation: typeof operations.$inferInsert,
    steps: PlannedStep[],
  ): Promise<OperationWithSteps> {
    const [row] = await this.db.insert(operations).values(operation).returning();
    const stepRows =
      steps.length === 0
        ? []
        : await this.db
            .insert(operationSteps)
            .values(
              steps.map((s, position) => ({
                operationId: row!.id,
                position,
                name: s.name,
                description: s.description,
                status: 'Pending' as const,
                done: 0,
                total: Math.max(1, s.total),
              })),
            )
            .returning();
    return { operation: row!, steps: stepRows };
  }

  async find(projectId: string, id: string): Promise<OperationWithSteps | undefined> {
    const [row] = await this.db
      .select()
      .from(operations)
      .where(and(eq(operations.id, id), eq(operations.projectId, projectId)));
    if (!row) return undefined;
    return { operation: row, steps: await this.steps(row.id) };
  }

  async findById(id: string): Promise<OperationRecord | undefined> {
    const [row] = await this.db.select().from(operations).where(eq(operations.id, id));
    return row;
  }

  async steps(operationId: string): Promise<OperationStepRecord[]> {
    return this.db
      .select()
      .from(operationSteps)
      .where(eq(operationSteps.operationId, operationId))
      .orderBy(asc(operationSteps.position));
  }

  async list(
    projectId: string,
    options: { clusterName?: string; status?: OperationStatus; after?: string; limit: number },
  ): Promise<OperationWithSteps[]> {
    const rows = await this.db
      .select()
      .from(operations)
      .where(
        and(
          eq(operations.projectId, projectId),
          options.clusterName ? eq(operations.clusterName, options.clusterName) : undefined,
          options.status ? eq(operations.status, options.status) : undefined,
          options.after ? gt(operations.id, options.after) : undefined,
        ),
      )
      .orderBy(asc(operations.id))
      .limit(options.limit);
    const ids = rows.map((r) => r.id);
    const steps =
      ids.length === 0
        ? []
        : await this.db
            .select()
            .from(operationSteps)
            .where(inArray(operationSteps.operationId, ids))
            .orderBy(asc(operationSteps.position));
    return rows.map((operation) => ({
      operation,
      steps: steps.filter((s) => s.operationId === operation.id),
    }));
  }

  /** The cluster's unfinished Operation, newest first (there is at most one by construction). */
  async activeForCluster(clusterId: string): Promise<OperationRecord | undefined> {
    const [row] = await this.db
      .select()
      .from(operations)
      .where(
        and(
          eq(operations.clusterId, clusterId),
          inArray(operations.status, [...ACTIVE_OPERATION_STATUSES]),
        ),
      )
      .orderBy(desc(operations.id))
      .limit(1);
    return row;
  }

  /** Pending → Running, only if nobody cancelled or finished it meanwhile. */
  async start(id: string): Promise<void> {
    await this.db
      .update(operations)
      .set({
        status: 'Running',
        updatedAt: new Date(),
        startedAt: sql`coalesce(${operations.startedAt}, now())`,
      })
      .where(and(eq(operations.id, id), eq(operations.status, 'Pending')));
  }

  /** Moves an active Operation to a new status only if nobody finished it meanwhile. */
  async transition(
    id: string,
    from: OperationStatus[],
    to: OperationStatus,
    error?: OperationError,
  ): Promise<boolean> {
    const now = new Date();
    const finished = to === 'Succeeded' || to === 'Failed' || to === 'Cancelled';
    const rows = await this.db
      .update(operations)
      .set({
        status: to,
        updatedAt: now,
        ...(error ? { error } : {}),
        ...(finished ? { finishedAt: now } : {}),
      })
      .where(and(eq(operations.id, id), inArray(operations.status, from)))
      .returning({ id: operations.id });
    if (rows.length === 1 && finished) {
      await this.closeSteps(
        id,
        to === 'Succeeded' ? 'Done' : to === 'Failed' ? 'Failed' : 'Cancelled',
      );
    }
    return rows.length === 1;
  }

  async recordAttemptError(id: string, error: OperationError): Promise<number> {
    const [row] = await this.db
      .update(operations)
      .set({ lastError: error, attempts: sql`${operations.attempts} + 1`, updatedAt: new Date() })
      .where(eq(operations.id, id))
      .returning({ attempts: operations.attempts });
    return row?.attempts ?? 0;
  }

  async clearAttemptErrors(id: string): Promise<void> {
    await this.db.update(operations).set({ attempts: 0 }).where(eq(operations.id, id));
  }

  async updateStep(
    operationId: string,
    name: string,
    changes: { status?: StepStatus; done?: number; total?: number; message?: string | null },
  ): Promise<void> {
    const now = new Date();
    await this.db
      .update(operationSteps)
      .set({
        ...changes,
        ...(changes.status === 'Running'
          ? { startedAt: sql`coalesce(${operationSteps.startedAt}, now())` }
          : {}),
        ...(changes.status === 'Done' ? { done: sql`${operationSteps.total}` } : {}),
        ...(changes.status === 'Done' || changes.status === 'Failed' ? { finishedAt: now } : {}),
      })
      .where(and(eq(operationSteps.operationId, operationId), eq(operationSteps.name, name)));
    await this.db.update(operations).set({ updatedAt: now }).where(eq(operations.id, operationId));
  }

  /** Finishing an Operation closes its open steps with the same verdict. */
  private async closeSteps(operationId: string, status: StepStatus): Promise<void> {
    const now = new Date();
    const open: StepStatus[] = ['Pending', 'Running'];
    if (status === 'Done') {
      await this.db
        .update(operationSteps)
        .set({ status, done: sql`${operationSteps.total}`, finishedAt: now, message: null })
        .where(
          and(eq(operationSteps.operationId, operationId), inArray(operationSteps.status, open)),
        );
      return;
    }
    // A failure marks the step that was running; steps never reached stay as they were, cancelled.
    await this.db
      .update(operationSteps)
      .set({ status, finishedAt: now })
      .where(
        and(eq(operationSteps.operationId, operationId), eq(operationSteps.status, 'Running')),
      );
    await this.db
      .update(operationSteps)
      .set({ status: 'Cancelled' })
      .where(
        and(eq(operationSteps.operationId, operationId), eq(operationSteps.status, 'Pending')),
      );
  }
}
