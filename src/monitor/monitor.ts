import 'reflect-metadata';
import { Module, type DynamicModule, type Provider } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { FastifyAdapter, type NestFastifyApplication } from '@nestjs/platform-fastify';
import type { FastifyInstance } from 'fastify';
import type { Config } from '../config/config.js';
import { coreProviders, repairRequesterProvider } from '../core-providers.js';
import { HealthController } from '../health/health.controller.js';
import { HealthMonitorHost } from '../health/health-monitor.host.js';
import { createRootLogger, PinoLoggerService } from '../logging/logger.js';
import { MetricsController } from '../metrics/metrics.controller.js';
import { openConfiguredDatabase, type DatabaseHandle } from '../persistence/database.js';
import { ReconcileQueue } from '../queue/reconcile-queue.js';
import { MachineRepairs } from '../reconcilers/machine-repairs.js';
import { listenUrl } from '../common/listen-url.js';
import type { RunningServer, StartOptions } from '../server.js';

/**
 * `kaas monitor`: the health monitor alone (docs/adr/0016). It watches its share of the tenant
 * clusters' nodes and starts Repair Operations, which the workers carry out. It loads neither
 * the API nor the reconcilers, nor client-node unless a kubeconfig needs it: what it holds is
 * one connection per watched cluster.
 */
@Module({})
export class MonitorModule {
  static forRoot(
    config: Config,
    database: DatabaseHandle,
    overrides: Provider[] = [],
  ): DynamicModule {
    return {
      module: MonitorModule,
      controllers: [HealthController, MetricsController],
      providers: [
        // A monitor serves no API, so it hands freed memory back after bursts of watches.
        ...coreProviders(config, database, true),
        ReconcileQueue,
        MachineRepairs,
        repairRequesterProvider,
        HealthMonitorHost,
        ...overrides,
      ],
    };
  }
}

/** Starts a `kaas monitor` process: the monitor, /healthz, /readyz and /metrics. */
export async function startMonitor(
  config: Config,
  options: StartOptions = {},
): Promise<RunningServer> {
  if (!config.KAAS_DATABASE_URL)
    throw new Error(
      'the embedded database lives inside one process, so "monitor" cannot share it; set KAAS_DATABASE_URL to a PostgreSQL server',
    );
  const database = await openConfiguredDatabase(config);
  const app = await NestFactory.create<NestFastifyApplication>(
    MonitorModule.forRoot(config, database, options.overrides),
    new FastifyAdapter(),
    { bufferLogs: true },
  );
  app.useLogger(new PinoLoggerService(createRootLogger(config.KAAS_LOG_LEVEL, 'monitor')));
  app.enableShutdownHooks(['SIGTERM', 'SIGINT']);
  await app.listen({ port: config.KAAS_PORT, host: config.KAAS_HOST });
  const fastify = app.getHttpAdapter().getInstance() as unknown as FastifyInstance;
  return {
    app,
    database,
    url: listenUrl(fastify, config),
    close: async () => {
      await app.close();
    },
  };
}
