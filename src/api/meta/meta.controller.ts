import { Controller, Get } from '@nestjs/common';
import { Route } from '../../openapi/route.decorator.js';
import { ClusterReadsService } from '../clusters/cluster-reads.service.js';

@Controller('v1')
export class MetaController {
  constructor(private readonly clusters: ClusterReadsService) {}

  @Get('serverConfig')
  @Route({
    operationId: 'getServerConfig',
    access: 'authenticated',
    summary: 'Providers, Kubernetes versions and limits this server offers',
    tag: 'meta',
    responses: { 200: 'ServerConfig' },
  })
  serverConfig() {
    return this.clusters.serverConfig();
  }
}
