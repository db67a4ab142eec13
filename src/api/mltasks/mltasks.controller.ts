import { Body, Controller, Delete, Get, Param, Post, Query, Res } from '@nestjs/common';
import type { FastifyReply } from 'fastify';
import type { z } from 'zod';
import { CurrentProject } from '../http/auth.guard.js';
import { ZodValidationPipe } from '../http/zod-validation.pipe.js';
import { Route, type QueryDoc } from '../../openapi/route.decorator.js';
import type { ProjectRecord } from '../../persistence/records.js';
import {
  mlTaskCreateEnvelope,
  mlTaskListQuery,
  mlTaskLogsQuery,
  mlTaskQuery,
} from './mltask-schemas.js';
import { MLTasksService } from './mltasks.service.js';

const NAMESPACE_QUERY: QueryDoc = {
  name: 'namespace',
  description: 'Namespace of the task in the cluster (default: default)',
  schema: { type: 'string', pattern: '^[a-z0-9]([-a-z0-9]*[a-z0-9])?$', maxLength: 63 },
};
/** The tenant cluster may be unknown (404), have no API server or no GPU stack (409), or not answer (503). */
const TENANT_ERRORS = [409, 503];

@Controller('v1/projects/:project/clusters/:cluster/mltasks')
export class MLTasksController {
  constructor(private readonly mltasks: MLTasksService) {}

  @Post()
  @Route({
    operationId: 'createMLTask',
    params: ['cluster'],
    access: 'editor',
    summary: 'Start a training run (MLTask) in a cluster',
    tag: 'mltasks',
    body: 'MLTaskCreateRequest',
    responses: { 201: 'MLTask' },
    errors: [...TENANT_ERRORS, 422],
    defaultStatus: 201,
  })
  async create(
    @CurrentProject() project: ProjectRecord,
    @Param('cluster') cluster: string,
    @Body(new ZodValidationPipe(mlTaskCreateEnvelope)) body: z.output<typeof mlTaskCreateEnvelope>,
    @Res({ passthrough: true }) reply: FastifyReply,
  ) {
    const task = await this.mltasks.create(project, cluster, body);
    void reply.header(
      'location',
      `/v1/projects/${project.name}/clusters/${cluster}/mltasks/${task.name}?namespace=${task.namespace}`,
    );
    return task;
  }

  @Get()
  @Route({
    operationId: 'listMLTasks',
    params: ['cluster'],
    access: 'viewer',
    summary: 'List the MLTasks of a cluster',
    tag: 'mltasks',
    responses: { 200: 'MLTaskList' },
    query: [
      { ...NAMESPACE_QUERY, description: 'Only this namespace (default: all namespaces)' },
      {
        name: 'limit',
        description: 'Page size (1–500, default 50)',
        schema: { type: 'integer', minimum: 1, maximum: 500 },
      },
      {
        name: 'cursor',
        description: 'nextCursor from the previous page',
        schema: { type: 'string', maxLength: 2048, pattern: '^[A-Za-z0-9+/=_-]+$' },
      },
    ],
    errors: TENANT_ERRORS,
  })
  async list(
    @CurrentProject() project: ProjectRecord,
    @Param('cluster') cluster: string,
    @Query(new ZodValidationPipe(mlTaskListQuery, 'query')) query: z.output<typeof mlTaskListQuery>,
  ) {
    return this.mltasks.list(project, cluster, query);
  }

  @Get(':mltask')
  @Route({
    operationId: 'getMLTask',
    params: ['cluster', 'mltask'],
    access: 'viewer',
    summary: 'Get an MLTask: phase, workers and what to do when it is stuck',
    tag: 'mltasks',
    responses: { 200: 'MLTask' },
    query: [NAMESPACE_QUERY],
    errors: TENANT_ERRORS,
  })
  async get(
    @CurrentProject() project: ProjectRecord,
    @Param('cluster') cluster: string,
    @Param('mltask') name: string,
    @Query(new ZodValidationPipe(mlTaskQuery, 'query')) query: z.output<typeof mlTaskQuery>,
  ) {
    return this.mltasks.get(project, cluster, query.namespace, name);
  }

  @Get(':mltask/logs')
  @Route({
    operationId: 'getMLTaskLogs',
    params: ['cluster', 'mltask'],
    access: 'viewer',
    summary: 'The last lines of each worker’s output, and the kubectl command to follow them',
    tag: 'mltasks',
    responses: { 200: 'MLTaskLogs' },
    query: [
      NAMESPACE_QUERY,
      {
        name: 'tailLines',
        description: 'Lines per worker (1–1000, default 50)',
        schema: { type: 'integer', minimum: 1, maximum: 1000 },
      },
    ],
    errors: TENANT_ERRORS,
  })
  async logs(
    @CurrentProject() project: ProjectRecord,
    @Param('cluster') cluster: string,
    @Param('mltask') name: string,
    @Query(new ZodValidationPipe(mlTaskLogsQuery, 'query')) query: z.output<typeof mlTaskLogsQuery>,
  ) {
    return this.mltasks.logs(project, cluster, query.namespace, name, query.tailLines);
  }

  @Delete(':mltask')
  @Route({
    operationId: 'deleteMLTask',
    params: ['cluster', 'mltask'],
    access: 'editor',
    summary: 'Delete an MLTask; its workers, Job and Service go with it',
    tag: 'mltasks',
    responses: { 204: null },
    query: [NAMESPACE_QUERY],
    errors: TENANT_ERRORS,
    defaultStatus: 204,
  })
  async delete(
    @CurrentProject() project: ProjectRecord,
    @Param('cluster') cluster: string,
    @Param('mltask') name: string,
    @Query(new ZodValidationPipe(mlTaskQuery, 'query')) query: z.output<typeof mlTaskQuery>,
  ) {
    await this.mltasks.delete(project, cluster, query.namespace, name);
  }
}
