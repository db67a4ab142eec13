import { Inject, Logger, type OnApplicationShutdown, type Provider } from '@nestjs/common';
import type { Config } from './config/config.js';
import { CONFIG } from './config/config.js';
import { MemoryReleaser } from './common/release-memory.js';
import { WORKER_ID, newWorkerId } from './common/worker-id.js';
import { REPAIR_REQUESTER, type RepairRequester } from './health/repair-port.js';
import { MetricsService } from './metrics/metrics.service.js';
import type { DatabaseHandle } from './persistence/database.js';
import { DATABASE } from './persistence/repositories.js';
import { PROVIDERS } from './providers/infrastructure-provider.js';
import { instrumentProvider } from './providers/instrumented-provider.js';
import { createProviderRegistry } from './providers/provider-registry.js';
import { MachineRepairs } from './reconcilers/machine-repairs.js';
import { KEY_RING, loadKeyRing, type KeyRingHolder } from './security/key-ring.js';

/** Closes the database last, after the workers have stopped. */
class DatabaseCloser implements OnApplicationShutdown {
  constructor(@Inject(DATABASE) private readonly database: DatabaseHandle) {}
  async onApplicationShutdown(): Promise<void> {
    await this.database.close();
  }
}

/**
 * What every kaas process role is built on (`api`, `worker`, `all` in AppModule, `monitor` in
 * MonitorModule): configuration, keys, the database, the providers, metrics.
 * `releaseMemory`: whether the process hands freed heap pages back (src/common/release-memory.ts).
 */
export function coreProviders(
  config: Config,
  database: DatabaseHandle,
  releaseMemory: boolean,
): Provider[] {
  const keyRing: KeyRingHolder = { keyRing: loadKeyRing(config) };
  return [
    { provide: CONFIG, useValue: config },
    { provide: KEY_RING, useValue: keyRing },
    { provide: DATABASE, useValue: database },
    { provide: WORKER_ID, useValue: newWorkerId() },
    {
      provide: PROVIDERS,
      inject: [MetricsService],
      useFactory: (metrics: MetricsService) =>
        new Map(
          [...createProviderRegistry(config, database, keyRing.keyRing)].map(([name, p]) => [
            name,
            instrumentProvider(p, metrics),
          ]),
        ),
    },
    MetricsService,
    {
      provide: MemoryReleaser,
      useFactory: () => {
        const logger = new Logger('memory');
        return new MemoryReleaser({
          enabled: releaseMemory,
          onReleased: (result, reasons) =>
            logger.log({
              msg: 'released freed memory',
              after: reasons,
              rssBeforeMiB: Math.round(result.rssBefore / 2 ** 20),
              rssAfterMiB: Math.round(result.rssAfter / 2 ** 20),
              ms: Math.round(result.ms),
            }),
        });
      },
    },
    DatabaseCloser,
  ];
}

/** Auto-repair's decisions are carried out as Repair Operations, like a repair by hand. */
export const repairRequesterProvider: Provider = {
  provide: REPAIR_REQUESTER,
  inject: [MachineRepairs],
  useFactory: (repairs: MachineRepairs): RepairRequester => ({
    requestRepair: async (request) => (await repairs.request(request)).answer,
  }),
};
