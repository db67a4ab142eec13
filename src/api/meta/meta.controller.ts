import { Controller, Get } from '@nestjs/common';
import { Route } from '../../openapi/route.decorator.js';
import { ClustersService } from '../clusters/clusters.service.js';

@Controller('v1')
export class MetaController {
  constructor(private readonly clusters: ClustersService) {}

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
