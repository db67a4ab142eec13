/**
 * Kubernetes versions kaas can create. A spec may name a full version (`1.37.2`) or a minor
 * (`1.37`), which resolves to that minor's newest patch here.
 */
export const SUPPORTED_KUBERNETES_VERSIONS = ['1.36.3', '1.37.2'] as const;

export const DEFAULT_KUBERNETES_VERSION = '1.37.2';

/**
 * What a new cluster gets when its spec names no version: the default minor, resolved to the
 * newest patch of it that the cluster's provider offers (1.37.2 for most, 1.37.0 for kind).
 */
export const DEFAULT_KUBERNETES_MINOR = '1.37';

export interface ParsedVersion {
  major: number;
  minor: number;
  patch: number;
}

export function parseVersion(version: string): ParsedVersion | undefined {
  const match = /^v?(\d+)\.(\d+)\.(\d+)$/.exec(version);
  if (!match) return undefined;
  return { major: Number(match[1]), minor: Number(match[2]), patch: Number(match[3]) };
}

/** Resolves `1.37` or `1.37.2` to a supported full version, or undefined. */
export function resolveKubernetesVersion(
  requested: string,
  supported: readonly string[] = SUPPORTED_KUBERNETES_VERSIONS,
): string | undefined {
  const wanted = requested.startsWith('v') ? requested.slice(1) : requested;
  if (supported.includes(wanted)) return wanted;
  if (/^\d+\.\d+$/.test(wanted)) {
    const candidates = supported.filter((v) => v.startsWith(`${wanted}.`));
    return candidates.sort(compareVersions).at(-1);
  }
  return undefined;
}

export function compareVersions(a: string, b: string): number {
  const pa = parseVersion(a);
  const pb = parseVersion(b);
  if (!pa || !pb) return a.localeCompare(b);
  return pa.major - pb.major || pa.minor - pb.minor || pa.patch - pb.patch;
}
