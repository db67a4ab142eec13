import { Logger } from '@nestjs/common';
import type { Config } from '../config/config.js';
import type { ProviderName } from '../domain/cluster.js';
import type { DatabaseHandle } from '../persistence/database.js';
import { PostgresFakeCloudStore } from './fake/fake-cloud.store.js';
import { FakeProvider } from './fake/fake.provider.js';
import { FaultInjector } from './fake/fault-injector.js';
import type { InfrastructureProvider, ProviderRegistry } from './infrastructure-provider.js';
import { KwokProvider } from './kwok/kwok.provider.js';
import { KubernetesTools } from './kwok/kubernetes-tools.js';
import { CommandRunner } from './kind/cli.js';
import { KIND_NODE_IMAGES, parseNodeImageOverrides } from './kind/kind-images.js';
import { KindProvider } from './kind/kind.provider.js';
import { KindTools } from './kind/kind-tools.js';
import { join, resolve } from 'node:path';

/** Builds the providers KAAS_PROVIDERS enables; an unknown or unavailable name stops the start. */
const kwokLogger = new Logger('kwok');
const kindLogger = new Logger('kind');

export function createProviderRegistry(config: Config, database: DatabaseHandle): ProviderRegistry {
  const registry = new Map<ProviderName, InfrastructureProvider>();
  for (const name of config.KAAS_PROVIDERS) {
    switch (name) {
      case 'fake':
        registry.set(
          'fake',
          new FakeProvider(new PostgresFakeCloudStore(database.db), {
            bootMs: config.KAAS_FAKE_BOOT_SECONDS * 1000,
            deleteMs: config.KAAS_FAKE_DELETE_SECONDS * 1000,
            faults: FaultInjector.parse(config.KAAS_FAKE_FAILURES),
          }),
        );
        break;
      case 'kwok':
        registry.set(
          'kwok',
          new KwokProvider({
            workdir: resolve(config.KAAS_KWOK_WORKDIR ?? join(config.KAAS_DATA_DIR, 'kwok')),
            bootMs: config.KAAS_KWOK_BOOT_SECONDS * 1000,
            tools: new KubernetesTools(config.KAAS_TOOLS_DIR),
            log: (message) => kwokLogger.log(message),
          }),
        );
        break;
      case 'kind':
        registry.set(
          'kind',
          new KindProvider({
            workdir: resolve(config.KAAS_KIND_WORKDIR ?? join(config.KAAS_DATA_DIR, 'kind')),
            tools: new KindTools(
              new CommandRunner(config.KAAS_KIND_BINARY),
              new CommandRunner(config.KAAS_DOCKER_BINARY),
            ),
            images: {
              ...KIND_NODE_IMAGES,
              ...parseNodeImageOverrides(config.KAAS_KIND_NODE_IMAGES),
            },
            log: (message) => kindLogger.log(message),
          }),
        );
        break;
      default:
        throw new Error(
          `KAAS_PROVIDERS: provider "${name}" is not available in this build; available: fake, kwok, kind`,
        );
    }
  }
  return registry;
}
