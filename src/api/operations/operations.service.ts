import { Inject, Injectable } from '@nestjs/common';
import { ConflictError, NotFoundError } from '../../domain/errors.js';
import { isFinished, type OperationStatus } from '../../domain/operation.js';
import type { DatabaseHandle } from '../../persistence/database.js';
import type { ProjectRecord } from '../../persistence/records.js';
import { DATABASE, repositories } from '../../persistence/repositories.js';
import { ReconcileQueue } from '../../queue/reconcile-queue.js';
import { decodeCursor, toPage, type Page } from '../http/pagination.js';
import { operationView } from '../representations.js';
import type { OperationView } from '../schemas.js';

@Injectable()
export class OperationsService {
  constructor(
    @Inject(DATABASE) private readonly database: DatabaseHandle,
    private readonly queue: ReconcileQueue,
  ) {}

  async get(project: ProjectRecord, id: string): Promise<OperationView> {
    const found = await repositories(this.database.db).operations.find(project.id, id);
    if (!found) throw new NotFoundError(`operation ${id} not found in project "${project.name}"`);
    return operationView(found, project.name);
  }

  async list(
    project: ProjectRecord,
    query: { limit: number; cursor?: string; cluster?: string; status?: OperationStatus },
  ): Promise<Page<OperationView>> {
    const repos = repositories(this.database.db);
    const after = decodeCursor(query.cursor);
    const rows = await repos.operations.list(project.id, {
      limit: query.limit + 1,
      ...(after ? { after } : {}),
      ...(query.cluster ? { clusterName: query.cluster } : {}),
      ...(query.status ? { status: query.status } : {}),
    });
    return toPage(
      rows.map((r) => ({ ...r, id: r.operation.id })),
      query.limit,
      (r) => operationView(r, project.name),
    );
  }

  /**
   * Asks the reconciler to stop at its next checkpoint. The cluster keeps what was done so far
   * and resumes on the next spec change; a delete cannot be cancelled.
   */
  async cancel(project: ProjectRecord, id: string): Promise<OperationView> {
    const repos = repositories(this.database.db);
    const found = await repos.operations.find(project.id, id);
    if (!found) throw new NotFoundError(`operation ${id} not found in project "${project.name}"`);
    const { operation } = found;
    if (isFinished(operation.status as OperationStatus)) {
      throw new ConflictError(`operation ${id} already finished with status ${operation.status}`);
    }
    if (operation.type === 'Delete') throw new ConflictError('a delete cannot be cancelled');
    if (operation.status !== 'Cancelling') {
      const moved = await repos.operations.transition(id, ['Pending', 'Running'], 'Cancelling');
      if (!moved) throw new ConflictError(`operation ${id} finished meanwhile`);
      await this.queue.enqueue(operation.clusterId);
    }
    return this.get(project, id);
  }
}
