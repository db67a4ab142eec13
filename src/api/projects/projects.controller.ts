import { Body, Controller, Delete, Get, HttpCode, Param, Post, Query } from '@nestjs/common';
import type { z } from 'zod';
import { AuthService } from '../../auth/auth.service.js';
import type { Principal } from '../../auth/principal.js';
import { NotFoundError } from '../../domain/errors.js';
import { UUID_PATTERN } from '../../domain/ids.js';
import { CurrentPrincipal } from '../http/auth.guard.js';
import { pageQuerySchema } from '../http/pagination.js';
import { ZodValidationPipe } from '../http/zod-validation.pipe.js';
import { PAGE_QUERY, Route } from '../../openapi/route.decorator.js';
import { ProjectCreateRequest, TokenCreateRequest } from '../schemas.js';
import { ProjectsService } from './projects.service.js';
import { projectView } from '../representations.js';

@Controller('v1/projects')
export class ProjectsController {
  constructor(
    private readonly auth: AuthService,
    private readonly projects: ProjectsService,
  ) {}

  @Post()
  @Route({
    operationId: 'createProject',
    summary: 'Create a project (platform administrators)',
    tag: 'projects',
    body: 'ProjectCreateRequest',
    responses: { 201: 'Project' },
    errors: [409],
    defaultStatus: 201,
  })
  async create(
    @CurrentPrincipal() principal: Principal,
    @Body(new ZodValidationPipe(ProjectCreateRequest)) body: z.output<typeof ProjectCreateRequest>,
  ) {
    this.auth.requirePlatformAdmin(principal);
    return this.projects.create(body);
  }

  @Get()
  @Route({ operationId: 'listProjects', summary: 'List the projects this token can see', tag: 'projects', responses: { 200: 'ProjectList' }, query: PAGE_QUERY })
  async list(
    @CurrentPrincipal() principal: Principal,
    @Query(new ZodValidationPipe(pageQuerySchema, 'query')) query: z.output<typeof pageQuerySchema>,
  ) {
    return this.projects.list(principal, query);
  }

  @Get(':project')
  @Route({ operationId: 'getProject', summary: 'Get a project', tag: 'projects', responses: { 200: 'Project' } })
  async get(@CurrentPrincipal() principal: Principal, @Param('project') projectName: string) {
    const project = await this.auth.authorize(principal, projectName, 'viewer');
    return projectView(project);
  }

  @Post(':project/tokens')
  @Route({
    operationId: 'createToken',
    summary: 'Create an API token for the project; the secret is shown only in this answer',
    tag: 'projects',
    body: 'TokenCreateRequest',
    responses: { 201: 'TokenCreated' },
    defaultStatus: 201,
  })
  async createToken(
    @CurrentPrincipal() principal: Principal,
    @Param('project') projectName: string,
    @Body(new ZodValidationPipe(TokenCreateRequest)) body: z.output<typeof TokenCreateRequest>,
  ) {
    const project = await this.auth.authorize(principal, projectName, 'admin');
    return this.projects.createToken(project, body);
  }

  @Get(':project/tokens')
  @Route({ operationId: 'listTokens', summary: 'List the project’s active tokens', tag: 'projects', responses: { 200: 'TokenList' } })
  async listTokens(@CurrentPrincipal() principal: Principal, @Param('project') projectName: string) {
    const project = await this.auth.authorize(principal, projectName, 'admin');
    return this.projects.listTokens(project);
  }

  @Delete(':project/tokens/:token')
  @HttpCode(204)
  @Route({ operationId: 'revokeToken', summary: 'Revoke a token', tag: 'projects', responses: { 204: null } })
  async revokeToken(@CurrentPrincipal() principal: Principal, @Param('project') projectName: string, @Param('token') tokenId: string) {
    const project = await this.auth.authorize(principal, projectName, 'admin');
    if (!UUID_PATTERN.test(tokenId)) throw new NotFoundError(`token ${tokenId} not found`);
    await this.projects.revokeToken(project, tokenId);
  }

  @Get(':project/auditRecords')
  @Route({ operationId: 'listAuditRecords', summary: 'Audit records of the project, newest first', tag: 'projects', responses: { 200: 'AuditRecordList' }, query: PAGE_QUERY })
  async audit(
    @CurrentPrincipal() principal: Principal,
    @Param('project') projectName: string,
    @Query(new ZodValidationPipe(pageQuerySchema, 'query')) query: z.output<typeof pageQuerySchema>,
  ) {
    const project = await this.auth.authorize(principal, projectName, 'admin');
    return this.projects.listAudit(project, query);
  }
}
