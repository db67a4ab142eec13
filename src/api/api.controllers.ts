import { AddonsController } from './addons/addons.controller.js';
import { ClustersController } from './clusters/clusters.controller.js';
import { ClusterActionsController } from './clusters/cluster-actions.controller.js';
import { MLTasksController } from './mltasks/mltasks.controller.js';
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
  ClusterActionsController,
  MLTasksController,
  CloudsController,
  OperationsController,
  MetaController,
  AddonsController,
  HealthController,
  MetricsController,
  OpenApiController,
];

export const WORKER_CONTROLLERS = [HealthController, MetricsController];
