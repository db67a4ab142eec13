import { Body, Controller, Delete, Get, HttpCode, Param, Post, Query } from '@nestjs/common';
import type { z } from 'zod';
import type { Principal } from '../../auth/principal.js';
import { NotFoundError } from '../../domain/errors.js';
import { UUID_PATTERN } from '../../domain/ids.js';
import { CurrentPrincipal, CurrentProject } from '../http/auth.guard.js';
import type { ProjectRecord } from '../../persistence/records.js';
import { pageQuerySchema, sequencePageQuerySchema } from '../http/pagination.js';
import { ZodValidationPipe } from '../http/zod-validation.pipe.js';
import { PAGE_QUERY, Route, SEQUENCE_PAGE_QUERY } from '../../openapi/route.decorator.js';
import { ProjectCreateRequest, TokenCreateRequest } from '../schemas.js';
import { ProjectsService } from './projects.service.js';
import { projectView } from '../representations.js';

@Controller('v1/projects')
export class ProjectsController {
  constructor(private readonly projects: ProjectsService) {}

  @Post()
  @Route({
    operationId: 'createProject',
    access: 'platform-admin',
    summary: 'Create a project (platform administrators)',
    tag: 'projects',
    body: 'ProjectCreateRequest',
    responses: { 201: 'Project' },
    errors: [409],
    defaultStatus: 201,
  })
  async create(
    @Body(new ZodValidationPipe(ProjectCreateRequest)) body: z.output<typeof ProjectCreateRequest>,
  ) {
    return this.projects.create(body);
  }

  @Get()
  @Route({
    operationId: 'listProjects',
    access: 'authenticated',
    summary: 'List the projects this token can see',
    tag: 'projects',
    responses: { 200: 'ProjectList' },
    query: PAGE_QUERY,
  })
  async list(
    @CurrentPrincipal() principal: Principal,
    @Query(new ZodValidationPipe(pageQuerySchema, 'query')) query: z.output<typeof pageQuerySchema>,
  ) {
    return this.projects.list(principal, query);
  }

  @Get(':project')
  @Route({
    operationId: 'getProject',
    access: 'viewer',
    summary: 'Get a project',
    tag: 'projects',
    responses: { 200: 'Project' },
  })
  async get(@CurrentProject() project: ProjectRecord) {
    return projectView(project);
  }

  @Post(':project/tokens')
  @Route({
    operationId: 'createToken',
    access: 'admin',
    summary: 'Create an API token for the project; the secret is shown only in this answer',
    tag: 'projects',
    body: 'TokenCreateRequest',
    responses: { 201: 'TokenCreated' },
    defaultStatus: 201,
  })
  async createToken(
    @CurrentProject() project: ProjectRecord,
    @Body(new ZodValidationPipe(TokenCreateRequest)) body: z.output<typeof TokenCreateRequest>,
  ) {
    return this.projects.createToken(project, body);
  }

  @Get(':project/tokens')
  @Route({
    operationId: 'listTokens',
    access: 'admin',
    summary: 'List the project’s active tokens',
    tag: 'projects',
    responses: { 200: 'TokenList' },
  })
  async listTokens(@CurrentProject() project: ProjectRecord) {
    return this.projects.listTokens(project);
  }

  @Delete(':project/tokens/:token')
  @HttpCode(204)
  @Route({
    operationId: 'revokeToken',
    params: ['token'],
    access: 'admin',
    summary: 'Revoke a token',
    tag: 'projects',
    responses: { 204: null },
  })
  async revokeToken(@CurrentProject() project: ProjectRecord, @Param('token') tokenId: string) {
    if (!UUID_PATTERN.test(tokenId)) throw new NotFoundError(`token ${tokenId} not found`);
    await this.projects.revokeToken(project, tokenId);
  }

  @Get(':project/auditRecords')
  @Route({
    operationId: 'listAuditRecords',
    access: 'admin',
    summary: 'Audit records of the project, newest first',
    tag: 'projects',
    responses: { 200: 'AuditRecordList' },
    query: SEQUENCE_PAGE_QUERY,
  })
  async audit(
    @CurrentProject() project: ProjectRecord,
    @Query(new ZodValidationPipe(sequencePageQuerySchema, 'query'))
    query: z.output<typeof sequencePageQuerySchema>,
  ) {
    return this.projects.listAudit(project, query);
  }
}
