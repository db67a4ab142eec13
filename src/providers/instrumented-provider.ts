import { TerminalError, TransientError } from '../domain/errors.js';
import type { MetricsService } from '../metrics/metrics.service.js';
import type { InfrastructureProvider } from './infrastructure-provider.js';

const METHODS = [
  'preflight',
  'ensureClusterInfrastructure',
  'deleteClusterInfrastructure',
  'createMachine',
  'getMachine',
  'listMachines',
  'deleteMachine',
  'listTaggedResources',
  'connectTenant',
  'adminKubeconfig',
  'ensureControlPlaneVersion',
] as const satisfies readonly (keyof InfrastructureProvider)[];

/** Wraps a provider so every call is counted and timed by method and outcome. */
export function instrumentProvider(
  provider: InfrastructureProvider,
  metrics: MetricsService,
): InfrastructureProvider {
  const wrapped = Object.create(provider) as Record<string, unknown>;
  for (const method of METHODS) {
    // Optional methods a provider leaves out stay absent on the wrapper too.
    if (typeof provider[method] !== 'function') continue;
    const original = (provider[method] as (...args: unknown[]) => Promise<unknown>).bind(provider);
    wrapped[method] = async (...args: unknown[]) => {
      const labels = { provider: provider.name, method };
      const stop = metrics.providerDuration.startTimer(labels);
      try {
        const result = await original(...args);
        metrics.providerRequests.inc({ ...labels, outcome: 'ok' });
        return result;
      } catch (error) {
        const outcome =
          error instanceof TransientError
            ? 'transient'
            : error instanceof TerminalError
              ? 'terminal'
              : 'error';
        metrics.providerRequests.inc({ ...labels, outcome });
        throw error;
      } finally {
        stop();
      }
    };
  }
  return wrapped as unknown as InfrastructureProvider;
}
