import {
  Body,
  Controller,
  Delete,
  Get,
  Headers,
  Param,
  Patch,
  Post,
  Query,
  Res,
} from '@nestjs/common';
import type { FastifyReply } from 'fastify';
import { z } from 'zod';
import type { Principal } from '../../auth/principal.js';
import { CurrentPrincipal, CurrentProject } from '../http/auth.guard.js';
import type { ProjectRecord } from '../../persistence/records.js';
import { pageQuerySchema, sequencePageQuerySchema } from '../http/pagination.js';
import { ZodValidationPipe } from '../http/zod-validation.pipe.js';
import {
  DRY_RUN_QUERY,
  IDEMPOTENCY_HEADER,
  PAGE_QUERY,
  Route,
  SEQUENCE_PAGE_QUERY,
} from '../../openapi/route.decorator.js';
import {
  ClusterCreateRequest,
  ClusterPatchRequest,
  dryRunQuery,
  ScaleNodePoolRequest,
} from '../schemas.js';
import { ClustersService } from './clusters.service.js';
import { ClusterReadsService } from './cluster-reads.service.js';
import { poolName } from '../../domain/cluster.js';
import { checkIdempotencyKey, type Answer } from '../idempotency.js';

const MUTATION_RESPONSES = { 200: 'Plan', 202: 'Operation' } as const;
const machinesQuery = pageQuerySchema.extend({ pool: poolName.optional() });

@Controller('v1/projects/:project/clusters')
export class ClustersController {
  constructor(
    private readonly clusters: ClustersService,
    private readonly reads: ClusterReadsService,
  ) {}

  @Post()
  @Route({
    operationId: 'createCluster',
    access: 'editor',
    summary: 'Create a cluster',
    tag: 'clusters',
    body: 'ClusterCreateRequest',
    responses: MUTATION_RESPONSES,
    query: [DRY_RUN_QUERY],
    headers: [IDEMPOTENCY_HEADER],
    errors: [409, 422],
  })
  async create(
    @CurrentPrincipal() principal: Principal,
    @CurrentProject() project: ProjectRecord,
    @Body(new ZodValidationPipe(ClusterCreateRequest)) body: z.output<typeof ClusterCreateRequest>,
    @Query(new ZodValidationPipe(dryRunQuery, 'query')) query: z.output<typeof dryRunQuery>,
    @Headers('idempotency-key') idempotencyKey: string | undefined,
    @Res({ passthrough: true }) reply: FastifyReply,
  ) {
    const answer = await this.clusters.create(
      project,
      principal,
      body,
      mutation(query, idempotencyKey),
    );
    return respond(reply, answer, project.name);
  }

  @Get()
  @Route({
    operationId: 'listClusters',
    access: 'viewer',
    summary: 'List clusters',
    tag: 'clusters',
    responses: { 200: 'ClusterList' },
    query: PAGE_QUERY,
  })
  async list(
    @CurrentProject() project: ProjectRecord,
    @Query(new ZodValidationPipe(pageQuerySchema, 'query')) query: z.output<typeof pageQuerySchema>,
    @Res({ passthrough: true }) reply: FastifyReply,
  ) {
    const { page, body } = await this.reads.list(project, query);
    return body ? json(reply, body) : page;
  }

  @Get(':cluster')
  @Route({
    operationId: 'getCluster',
    params: ['cluster'],
    access: 'viewer',
    summary: 'Get a cluster',
    tag: 'clusters',
    responses: { 200: 'Cluster' },
  })
  async get(
    @CurrentProject() project: ProjectRecord,
    @Param('cluster') name: string,
    @Res({ passthrough: true }) reply: FastifyReply,
  ) {
    const { view, body } = await this.reads.document(project, name);
    void reply.header('etag', `"${view.resourceVersion}"`);
    return body ? json(reply, body) : view;
  }

  @Patch(':cluster')
  @Route({
    operationId: 'updateCluster',
    params: ['cluster'],
    access: 'editor',
    summary: 'Change a cluster (JSON merge patch of its spec)',
    tag: 'clusters',
    body: 'ClusterPatchRequest',
    bodyContentTypes: ['application/merge-patch+json', 'application/json'],
    responses: { 200: ['Cluster', 'Plan'], 202: 'Operation' },
    query: [DRY_RUN_QUERY],
    headers: [
      {
        name: 'If-Match',
        description: 'The resourceVersion (ETag) you read; 412 if it changed since',
      },
      IDEMPOTENCY_HEADER,
    ],
    errors: [409, 412, 422],
  })
  async update(
    @CurrentPrincipal() principal: Principal,
    @CurrentProject() project: ProjectRecord,
    @Param('cluster') name: string,
    @Body(new ZodValidationPipe(ClusterPatchRequest)) body: z.output<typeof ClusterPatchRequest>,
    @Query(new ZodValidationPipe(dryRunQuery, 'query')) query: z.output<typeof dryRunQuery>,
    @Headers('if-match') ifMatch: string | undefined,
    @Headers('idempotency-key') idempotencyKey: string | undefined,
    @Res({ passthrough: true }) reply: FastifyReply,
  ) {
    const answer = await this.clusters.update(
      project,
      principal,
      name,
      body,
      ifMatch,
      mutation(query, idempotencyKey),
    );
    return respond(reply, answer, project.name);
  }

  @Delete(':cluster')
  @Route({
    operationId: 'deleteCluster',
    params: ['cluster'],
    access: 'editor',
    summary: 'Delete a cluster and everything it created',
    tag: 'clusters',
    responses: MUTATION_RESPONSES,
    query: [DRY_RUN_QUERY],
    errors: [409],
  })
  async delete(
    @CurrentPrincipal() principal: Principal,
    @CurrentProject() project: ProjectRecord,
    @Param('cluster') name: string,
    @Query(new ZodValidationPipe(dryRunQuery, 'query')) query: z.output<typeof dryRunQuery>,
    @Res({ passthrough: true }) reply: FastifyReply,
  ) {
    const answer = await this.clusters.delete(project, principal, name, mutation(query, undefined));
    return respond(reply, answer, project.name);
  }

  @Post(':cluster/nodePools/:pool/scale')
  @Route({
    operationId: 'scaleNodePool',
    params: ['cluster', 'pool'],
    access: 'editor',
    summary: 'Set the number of machines in a node pool',
    tag: 'clusters',
    body: 'ScaleNodePoolRequest',
    responses: { 200: ['Cluster', 'Plan'], 202: 'Operation' },
    query: [DRY_RUN_QUERY],
    headers: [IDEMPOTENCY_HEADER],
    errors: [409, 422],
  })
  async scale(
    @CurrentPrincipal() principal: Principal,
    @CurrentProject() project: ProjectRecord,
    @Param('cluster') name: string,
    @Param('pool') pool: string,
    @Body(new ZodValidationPipe(ScaleNodePoolRequest)) body: z.output<typeof ScaleNodePoolRequest>,
    @Query(new ZodValidationPipe(dryRunQuery, 'query')) query: z.output<typeof dryRunQuery>,
    @Headers('idempotency-key') idempotencyKey: string | undefined,
    @Res({ passthrough: true }) reply: FastifyReply,
  ) {
    const answer = await this.clusters.scale(
      project,
      principal,
      name,
      pool,
      body.replicas,
      mutation(query, idempotencyKey),
    );
    return respond(reply, answer, project.name);
  }

  @Get(':cluster/events')
  @Route({
    operationId: 'listClusterEvents',
    access: 'viewer',
    params: ['cluster'],
    summary: 'What happened to a cluster, newest first',
    tag: 'clusters',
    responses: { 200: 'ClusterEventList' },
    query: SEQUENCE_PAGE_QUERY,
  })
  async events(
    @CurrentProject() project: ProjectRecord,
    @Param('cluster') name: string,
    @Query(new ZodValidationPipe(sequencePageQuerySchema, 'query'))
    query: z.output<typeof sequencePageQuerySchema>,
  ) {
    return this.reads.events(project, name, query);
  }

  @Get(':cluster/kubeconfig')
  @Route({
    operationId: 'getKubeconfig',
    params: ['cluster'],
    access: 'editor',
    summary: 'A cluster-admin kubeconfig for the cluster',
    tag: 'clusters',
    responses: { 200: 'Kubeconfig' },
    errors: [409],
  })
  async kubeconfig(@CurrentProject() project: ProjectRecord, @Param('cluster') name: string) {
    return this.reads.kubeconfig(project, name);
  }

  @Get(':cluster/machines')
  @Route({
    operationId: 'listMachines',
    params: ['cluster'],
    access: 'viewer',
    summary: 'List a cluster’s machines',
    tag: 'clusters',
    responses: { 200: 'MachineList' },
    query: [
      ...PAGE_QUERY,
      {
        name: 'pool',
        description: 'Only machines of this node pool',
        schema: { type: 'string', pattern: '^[a-z0-9]([-a-z0-9]*[a-z0-9])?$', maxLength: 24 },
      },
    ],
  })
  async machines(
    @CurrentProject() project: ProjectRecord,
    @Param('cluster') name: string,
    @Query(new ZodValidationPipe(machinesQuery, 'query')) query: z.output<typeof machinesQuery>,
  ) {
    return this.reads.listMachines(project, name, query);
  }
}

/** Held JSON bytes, sent as Fastify would have sent the object they encode. */
function json(reply: FastifyReply, body: Buffer): Buffer {
  void reply.type('application/json; charset=utf-8');
  return body;
}

function mutation(query: z.output<typeof dryRunQuery>, idempotencyKey: string | undefined) {
  if (idempotencyKey !== undefined) checkIdempotencyKey(idempotencyKey);
  return {
    dryRun: query.dryRun === 'true',
    ...(idempotencyKey !== undefined ? { idempotencyKey } : {}),
  };
}

function respond<T>(reply: FastifyReply, answer: Answer<T>, projectName: string): T {
  void reply.status(answer.status);
  const body = answer.body as { id?: string; type?: string };
  if (answer.status === 202 && body.id) {
    void reply.header('location', `/v1/projects/${projectName}/operations/${body.id}`);
  }
  return answer.body;
}
