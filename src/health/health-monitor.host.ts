import {
  Inject,
  Injectable,
  Logger,
  Optional,
  type BeforeApplicationShutdown,
  type OnApplicationBootstrap,
} from '@nestjs/common';
import { WORKER_ID } from '../common/worker-id.js';
import { MetricsService } from '../metrics/metrics.service.js';
import type { DatabaseHandle } from '../persistence/database.js';
import { ClusterHealthRepository } from '../persistence/cluster-health.repository.js';
import { DATABASE } from '../persistence/repositories.js';
import { PROVIDERS, type ProviderRegistry } from '../providers/infrastructure-provider.js';
import { HealthMetrics } from './health-metrics.js';
import { HealthMonitor } from './health-monitor.js';
import { REPAIR_REQUESTER, type RepairRequester } from './repair-port.js';
import { MemoryReleaser } from '../common/release-memory.js';
import {
  ProviderTenantConnector,
  TENANT_CONNECTOR,
  type TenantConnector,
} from './tenant-connector.js';

/** Watches started in one discovery from which their garbage is worth handing back. */
const WATCH_BURST = 100;

/**
 * Runs the health monitor in the worker: started after boot, stopped before the database closes.
 * Each worker's monitor watches its share of the clusters (src/health/shards.ts).
 */
@Injectable()
export class HealthMonitorHost implements OnApplicationBootstrap, BeforeApplicationShutdown {
  private readonly logger = new Logger('health');
  readonly monitor: HealthMonitor;
  private starting?: Promise<void>;

  constructor(
    @Inject(DATABASE) database: DatabaseHandle,
    @Inject(PROVIDERS) providers: ProviderRegistry,
    metrics: MetricsService,
    @Inject(WORKER_ID) workerId: string,
    private readonly memory: MemoryReleaser,
    @Optional() @Inject(REPAIR_REQUESTER) requester?: RepairRequester,
    @Optional() @Inject(TENANT_CONNECTOR) connector?: TenantConnector,
  ) {
    this.monitor = new HealthMonitor(
      new ClusterHealthRepository(database.db),
      connector ?? new ProviderTenantConnector(providers),
      requester,
      new HealthMetrics(metrics.registry),
      {
        // Named as the worker is, so that health_monitors says which process is which.
        monitorId: workerId,
        // Listing many clusters' nodes leaves pages of garbage V8 would keep.
        onWatchesStarted: (count) => {
          if (count >= WATCH_BURST) this.memory.request('health monitor started watches');
        },
      },
      {
        log: (message, context) => this.logger.log({ ...context, msg: message }),
        warn: (message, context) => this.logger.warn({ ...context, msg: message }),
      },
    );
  }

  onApplicationBootstrap(): void {
    // Connecting to many clusters takes a while; the worker serves its jobs meanwhile.
    this.starting = this.monitor.start().catch((error: unknown) => {
      this.logger.error({ msg: 'health monitor failed to start', error: String(error) });
    });
  }

  async beforeApplicationShutdown(): Promise<void> {
    const stopping = this.monitor.stop();
    await this.starting;
    await stopping;
  }
}
