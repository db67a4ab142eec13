import { ClustersController } from './clusters/clusters.controller.js';
import { CloudsController } from './clouds/clouds.controller.js';
import { MetaController } from './meta/meta.controller.js';
import { OperationsController } from './operations/operations.controller.js';
import { ProjectsController } from './projects/projects.controller.js';
import { HealthController } from '../health/health.controller.js';
import { MetricsController } from '../metrics/metrics.controller.js';
import { OpenApiController } from '../openapi/openapi.controller.js';

/** Controllers of the API process; the worker serves only health and metrics. */
export const API_CONTROLLERS = [
  ProjectsController,
  ClustersController,
  CloudsController,
  OperationsController,
  MetaController,
  HealthController,
  MetricsController,
  OpenApiController,
];

export const WORKER_CONTROLLERS = [HealthController, MetricsController];
