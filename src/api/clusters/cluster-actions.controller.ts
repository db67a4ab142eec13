import { Body, Controller, Param, Post, Res } from '@nestjs/common';
import type { FastifyReply } from 'fastify';
import type { z } from 'zod';
import type { Principal } from '../../auth/principal.js';
import { CurrentPrincipal, CurrentProject } from '../http/auth.guard.js';
import type { ProjectRecord } from '../../persistence/records.js';
import { ZodValidationPipe } from '../http/zod-validation.pipe.js';
import { Route } from '../../openapi/route.decorator.js';
import { RepairMachineRequest } from '../schemas.js';
import { ClusterActionsService } from './cluster-actions.service.js';

@Controller('v1/projects/:project/clusters')
export class ClusterActionsController {
  constructor(private readonly actions: ClusterActionsService) {}

  @Post(':cluster/resume')
  @Route({
    operationId: 'resumeCluster',
    params: ['cluster'],
    access: 'editor',
    summary:
      'Resume work left after a cancelled or failed operation (a paused upgrade, for one); 200 with the cluster when nothing is left',
    tag: 'clusters',
    responses: { 200: 'Cluster', 202: 'Operation' },
    errors: [409],
  })
  async resume(
    @CurrentPrincipal() principal: Principal,
    @CurrentProject() project: ProjectRecord,
    @Param('cluster') name: string,
    @Res({ passthrough: true }) reply: FastifyReply,
  ) {
    const answer = await this.actions.resume(project, principal, name);
    void reply.status(answer.status);
    if (answer.status === 202) {
      const operation = answer.body as { id: string };
      void reply.header('location', `/v1/projects/${project.name}/operations/${operation.id}`);
    }
    return answer.body;
  }

  @Post(':cluster/machines/:machine/repair')
  @Route({
    operationId: 'repairMachine',
    params: ['cluster', 'machine'],
    access: 'editor',
    summary:
      'Replace a machine: a new one joins its pool, then the old one is drained (with a timeout) and deleted',
    tag: 'clusters',
    body: 'RepairMachineRequest',
    responses: { 202: 'Operation' },
    errors: [409],
    defaultStatus: 202,
  })
  async repair(
    @CurrentPrincipal() principal: Principal,
    @CurrentProject() project: ProjectRecord,
    @Param('cluster') cluster: string,
    @Param('machine') machine: string,
    @Body(new ZodValidationPipe(RepairMachineRequest)) body: z.output<typeof RepairMachineRequest>,
    @Res({ passthrough: true }) reply: FastifyReply,
  ) {
    const operation = await this.actions.repair(project, principal, cluster, machine, body.reason);
    void reply.header('location', `/v1/projects/${project.name}/operations/${operation.id}`);
    return operation;
  }
}
