import type { ServerConfig } from '../../sdk/src/index.js';

/**
 * The Kubernetes versions a cluster on `provider` may run, and what a new one gets by default:
 * providers offer different patches (kind runs the node images kind published).
 */
export function versionsFor(
  config: ServerConfig | undefined,
  provider: string,
): { versions: string[]; defaultVersion: string | undefined } {
  const entry = config?.versionsByProvider.find((p) => p.provider === provider);
  return {
    versions: entry
      ? entry.versions.filter((v) => v.available).map((v) => v.version)
      : (config?.kubernetesVersions ?? []),
    defaultVersion: entry?.defaultVersion ?? config?.defaultKubernetesVersion,
  };
}
