import { Controller, Get, Param, Post, Query } from '@nestjs/common';
import type { z } from 'zod';
import { CurrentProject } from '../http/auth.guard.js';
import type { ProjectRecord } from '../../persistence/records.js';
import { ZodValidationPipe } from '../http/zod-validation.pipe.js';
import { PAGE_QUERY, Route } from '../../openapi/route.decorator.js';
import { OPERATION_STATUSES } from '../../domain/operation.js';
import { NotFoundError } from '../../domain/errors.js';
import { UUID_PATTERN } from '../../domain/ids.js';
import { operationListQuery } from '../schemas.js';
import { OperationsService } from './operations.service.js';

@Controller('v1/projects/:project/operations')
export class OperationsController {
  constructor(private readonly operations: OperationsService) {}

  @Get()
  @Route({
    operationId: 'listOperations',
    access: 'viewer',
    summary: 'List operations, oldest first',
    tag: 'operations',
    responses: { 200: 'OperationList' },
    query: [
      ...PAGE_QUERY,
      {
        name: 'cluster',
        description: 'Only operations of this cluster (by name)',
        schema: { type: 'string', pattern: '^[a-z0-9]([-a-z0-9]*[a-z0-9])?$', maxLength: 32 },
      },
      {
        name: 'status',
        description: 'Only operations in this status',
        schema: { type: 'string', enum: [...OPERATION_STATUSES] },
      },
    ],
  })
  async list(
    @CurrentProject() project: ProjectRecord,
    @Query(new ZodValidationPipe(operationListQuery, 'query'))
    query: z.output<typeof operationListQuery>,
  ) {
    return this.operations.list(project, query);
  }

  @Get(':operation')
  @Route({
    operationId: 'getOperation',
    params: ['operation'],
    access: 'viewer',
    summary: 'Get an operation with its steps and progress',
    tag: 'operations',
    responses: { 200: 'Operation' },
  })
  async get(@CurrentProject() project: ProjectRecord, @Param('operation') id: string) {
    return this.operations.get(project, parseId(id));
  }

  @Post(':operation/cancel')
  @Route({
    operationId: 'cancelOperation',
    params: ['operation'],
    access: 'editor',
    summary:
      'Cancel a running operation; the cluster keeps what was done and resumes on the next change',
    tag: 'operations',
    responses: { 202: 'Operation' },
    errors: [409],
    defaultStatus: 202,
  })
  async cancel(@CurrentProject() project: ProjectRecord, @Param('operation') id: string) {
    return this.operations.cancel(project, parseId(id));
  }
}

/** An id that cannot exist is simply not found. */
function parseId(id: string): string {
  if (!UUID_PATTERN.test(id)) throw new NotFoundError(`operation ${id} not found`);
  return id;
}
