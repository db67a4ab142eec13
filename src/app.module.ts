import { Logger, Module, type DynamicModule, type Provider } from '@nestjs/common';
import { APP_FILTER, APP_GUARD } from '@nestjs/core';
import type { Config } from './config/config.js';
import { API_CONTROLLERS, WORKER_CONTROLLERS } from './api/api.controllers.js';
import { AuthGuard } from './api/http/auth.guard.js';
import { ProblemDetailsFilter } from './api/http/problem-details.filter.js';
import { ClustersService } from './api/clusters/clusters.service.js';
import { ClusterActionsService } from './api/clusters/cluster-actions.service.js';
import { ClusterReadsService } from './api/clusters/cluster-reads.service.js';
import { ClusterDocumentCache } from './api/clusters/cluster-document-cache.js';
import { ShortCircuits } from './api/clusters/short-circuits.js';
import { MLTasksService } from './api/mltasks/mltasks.service.js';
import { MachineRepairs } from './reconcilers/machine-repairs.js';
import { RateLimiter } from './api/http/rate-limiter.js';
import { OperationsService } from './api/operations/operations.service.js';
import { ProjectsService } from './api/projects/projects.service.js';
import { AuthService } from './auth/auth.service.js';
import { MetricsService } from './metrics/metrics.service.js';
import { OpenApiDocumentHolder } from './openapi/openapi-document.holder.js';
import type { DatabaseHandle } from './persistence/database.js';
import { repositories } from './persistence/repositories.js';
import { ProjectsRepository, TokensRepository } from './persistence/projects.repository.js';
import { PROVIDERS, type ProviderRegistry } from './providers/infrastructure-provider.js';
import { ReconcileQueue } from './queue/reconcile-queue.js';
import { WorkerHost } from './queue/worker.host.js';
import { OrphanSweeper } from './queue/orphan-sweeper.js';
import { ClusterReconciler } from './reconcilers/cluster/cluster.reconciler.js';
import { AddonFlow } from './queue/addon-flow.js';
import { AddonJob } from './addons/addon-job.js';
import { AddonInstaller } from './addons/addon-installer.js';
import { ArtefactSource } from './addons/artefacts.js';
import { ObjectApplier } from './addons/object-applier.js';
import { KubernetesTools } from './providers/kwok/kubernetes-tools.js';
import { HealthMonitorHost } from './health/health-monitor.host.js';
import { CloudsService } from './api/clouds/clouds.service.js';
import { WORKER_ID } from './common/worker-id.js';
import { coreProviders, repairRequesterProvider } from './core-providers.js';

export type ProcessRole = 'api' | 'worker' | 'all';

@Module({})
export class AppModule {
  /**
   * `overrides` replace providers of the same token (a benchmark's tenant connector); a process
   * started from the command line has none.
   */
  static forRole(
    role: ProcessRole,
    config: Config,
    database: DatabaseHandle,
    overrides: Provider[] = [],
  ): DynamicModule {
    const api = role !== 'worker';
    const worker = role !== 'api';
    const core: Provider[] = [
      // Not where the API is served: the reads right after a release are slower.
      ...coreProviders(config, database, role === 'worker'),
      { provide: APP_FILTER, useClass: ProblemDetailsFilter },
      ReconcileQueue,
      MachineRepairs,
      OpenApiDocumentHolder,
    ];
    const apiProviders: Provider[] = [
      { provide: APP_GUARD, useClass: AuthGuard },
      RateLimiter,
      { provide: TokensRepository, useFactory: () => repositories(database.db).tokens },
      { provide: ProjectsRepository, useFactory: () => repositories(database.db).projects },
      AuthService,
      ClustersService,
      ClusterActionsService,
      ClusterReadsService,
      ClusterDocumentCache,
      ShortCircuits,
      MLTasksService,
      OperationsService,
      ProjectsService,
      CloudsService,
    ];
    const workerProviders: Provider[] = [
      AddonFlow,
      ObjectApplier,
      {
        provide: AddonJob,
        inject: [PROVIDERS, ObjectApplier],
        useFactory: (providers: ProviderRegistry, applier: ObjectApplier) => {
          const repos = repositories(database.db);
          return new AddonJob({
            clusters: repos.clusters,
            addons: repos.addons,
            providers,
            artefacts: new ArtefactSource(
              config.KAAS_ADDON_MIRROR ? { mirror: config.KAAS_ADDON_MIRROR } : {},
            ),
            installer: new AddonInstaller(applier, {
              timeoutMs: config.KAAS_ADDON_TIMEOUT_SECONDS * 1000,
            }),
            helmBinary: () => new KubernetesTools(config.KAAS_TOOLS_DIR).helm(),
          });
        },
      },
      {
        provide: ClusterReconciler,
        inject: [PROVIDERS, MetricsService, AddonFlow, WORKER_ID],
        useFactory: (
          providers: ProviderRegistry,
          metrics: MetricsService,
          flow: AddonFlow,
          workerId: string,
        ) => {
          const repos = repositories(database.db);
          const logger = new Logger('reconciler');
          return new ClusterReconciler(
            repos.clusters,
            repos.machines,
            repos.operations,
            providers,
            {
              workerId,
              leaseSeconds: config.KAAS_LEASE_SECONDS,
              retryBaseMs: config.KAAS_RETRY_BASE_SECONDS * 1000,
              retryMaxMs: config.KAAS_RETRY_MAX_SECONDS * 1000,
              addons: {
                list: (clusterId) => repos.addons.list(clusterId),
                flowRunning: (clusterId) => flow.running(clusterId),
                startFlow: (clusterId, names) => flow.start(clusterId, names),
              },
              onOperationFinished: (type, status, seconds) =>
                metrics.operationDuration.observe({ type, status }, seconds),
            },
            { warn: (obj, msg) => logger.warn({ ...obj, msg }) },
            repos.events,
          );
        },
      },
      OrphanSweeper,
      WorkerHost,
      ...(config.KAAS_WORKER_HEALTH_MONITOR ? [repairRequesterProvider, HealthMonitorHost] : []),
    ];
    return {
      module: AppModule,
      controllers: api ? API_CONTROLLERS : WORKER_CONTROLLERS,
      providers: [
        ...core,
        ...(api ? apiProviders : []),
        ...(worker ? workerProviders : []),
        ...overrides,
      ],
    };
  }
}
