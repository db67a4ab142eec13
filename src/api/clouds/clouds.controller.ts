import { Body, Controller, Delete, Get, HttpCode, Param, Post, Put } from '@nestjs/common';
import type { z } from 'zod';
import { NotFoundError } from '../../domain/errors.js';
import { DNS_LABEL } from '../../domain/names.js';
import type { ProjectRecord } from '../../persistence/records.js';
import { Route } from '../../openapi/route.decorator.js';
import { CurrentProject } from '../http/auth.guard.js';
import { ZodValidationPipe } from '../http/zod-validation.pipe.js';
import { CloudCreateRequest } from './cloud.schemas.js';
import { CloudsService } from './clouds.service.js';

/** A path name that cannot name anything answers 404, like a name that names nothing. */
function checkName(name: string, what: string): string {
  if (!DNS_LABEL.test(name) || name.length > 63)
    throw new NotFoundError(`${what} "${name}" not found`);
  return name;
}

@Controller('v1')
export class CloudsController {
  constructor(private readonly clouds: CloudsService) {}

  @Post('clouds')
  @Route({
    operationId: 'createCloud',
    access: 'platform-admin',
    summary: 'Register an OpenStack cloud; the credentials are checked with Keystone first',
    tag: 'clouds',
    body: 'CloudCreateRequest',
    responses: { 201: 'Cloud' },
    errors: [409, 422],
    defaultStatus: 201,
  })
  async create(
    @Body(new ZodValidationPipe(CloudCreateRequest)) body: z.output<typeof CloudCreateRequest>,
  ) {
    return this.clouds.create(body);
  }

  @Get('clouds')
  @Route({
    operationId: 'listClouds',
    access: 'platform-admin',
    summary: 'List the registered clouds and the projects each is granted to',
    tag: 'clouds',
    responses: { 200: 'CloudList' },
  })
  async list() {
    return this.clouds.list();
  }

  @Get('clouds/:cloud')
  @Route({
    operationId: 'getCloud',
    params: ['cloud'],
    access: 'platform-admin',
    summary: 'Get a cloud (never its credentials)',
    tag: 'clouds',
    responses: { 200: 'Cloud' },
  })
  async get(@Param('cloud') cloud: string) {
    return this.clouds.get(checkName(cloud, 'cloud'));
  }

  @Delete('clouds/:cloud')
  @HttpCode(204)
  @Route({
    operationId: 'deleteCloud',
    params: ['cloud'],
    access: 'platform-admin',
    summary: 'Remove a cloud no cluster uses any more',
    tag: 'clouds',
    responses: { 204: null },
    errors: [409],
  })
  async delete(@Param('cloud') cloud: string) {
    await this.clouds.delete(checkName(cloud, 'cloud'));
  }

  @Put('clouds/:cloud/grants/:grantee')
  @HttpCode(204)
  @Route({
    operationId: 'grantCloud',
    params: ['cloud', 'grantee'],
    access: 'platform-admin',
    summary: 'Let a project build clusters on the cloud',
    tag: 'clouds',
    responses: { 204: null },
  })
  async grant(@Param('cloud') cloud: string, @Param('grantee') grantee: string) {
    await this.clouds.grant(checkName(cloud, 'cloud'), checkName(grantee, 'project'));
  }

  @Delete('clouds/:cloud/grants/:grantee')
  @HttpCode(204)
  @Route({
    operationId: 'revokeCloud',
    params: ['cloud', 'grantee'],
    access: 'platform-admin',
    summary: 'Withdraw a project’s use of the cloud (its existing clusters stay)',
    tag: 'clouds',
    responses: { 204: null },
  })
  async revoke(@Param('cloud') cloud: string, @Param('grantee') grantee: string) {
    await this.clouds.revoke(checkName(cloud, 'cloud'), checkName(grantee, 'project'));
  }

  @Get('projects/:project/clouds')
  @Route({
    operationId: 'listProjectClouds',
    access: 'viewer',
    summary: 'Clouds the project may build clusters on',
    tag: 'clouds',
    responses: { 200: 'CloudList' },
  })
  async listForProject(@CurrentProject() project: ProjectRecord) {
    return this.clouds.listForProject(project.id);
  }
}
