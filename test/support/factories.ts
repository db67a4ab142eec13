import { randomBytes } from 'node:crypto';
import {
  clusterSpecSchema,
  type ClusterSpec,
  type ClusterSpecInput,
} from '../../src/domain/cluster.js';
import { loadConfig, type Config } from '../../src/config/config.js';
import { TEST_REDIS_URL } from './env.js';

export function clusterSpec(overrides: Partial<ClusterSpecInput> = {}): ClusterSpec {
  return clusterSpecSchema.parse({
    provider: 'fake',
    nodePools: [{ name: 'workers', replicas: 2 }],
    ...overrides,
  });
}

export function uniquePrefix(): string {
  return `kaastest${randomBytes(4).toString('hex')}`;
}

/** Config for an in-process server: random port, isolated queue prefix, fast fake provider. */
export function testConfig(overrides: Record<string, string> = {}): Config {
  return loadConfig({
    KAAS_PORT: '0',
    KAAS_LOG_LEVEL: 'silent',
    KAAS_REDIS_URL: TEST_REDIS_URL,
    KAAS_QUEUE_PREFIX: uniquePrefix(),
    KAAS_EMBEDDED_IN_MEMORY: 'true',
    KAAS_FAKE_BOOT_SECONDS: '0.2',
    KAAS_FAKE_DELETE_SECONDS: '0.1',
    KAAS_RETRY_BASE_SECONDS: '0.1',
    KAAS_RETRY_MAX_SECONDS: '1',
    KAAS_RESYNC_INTERVAL_SECONDS: '2',
    KAAS_BOOTSTRAP_TOKEN: `kaas_${'a'.repeat(40)}`,
    // In-process tests hammer the API with one token; the limiter has tests of its own.
    KAAS_RATE_LIMIT_PER_SECOND: '0',
    ...overrides,
  });
}

export const ADMIN_TOKEN = `kaas_${'a'.repeat(40)}`;
