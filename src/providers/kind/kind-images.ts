import { SUPPORTED_KUBERNETES_VERSIONS, compareVersions } from '../../domain/versions.js';
import type { ProviderVersion } from '../infrastructure-provider.js';

export interface KindNodeImage {
  version: string;
  /** `kindest/node:v<version>`. */
  image: string;
  /** `sha256:<hex>` as published in kind's release notes; undefined when none is known here. */
  digest?: string;
  /** Where the digest comes from, or why there is none. */
  source: string;
}

const DIGEST = /^sha256:[0-9a-f]{64}$/;
const IMAGE_REFERENCE = /^([a-z0-9][a-z0-9._/:-]*):v(\d+\.\d+\.\d+)@(sha256:[0-9a-f]{64})$/;

/**
 * The kindest/node images kaas ships, pinned by tag and digest. kind publishes node images only
 * with its releases, and only for some patch versions, each listed in the release notes as
 * `kindest/node:vX.Y.Z@sha256:...`. Each entry here is the default node image of a kind release
 * (its pkg/apis/config/defaults/image.go), one per Kubernetes minor kaas supports. kind
 * publishes no image for 1.36.3 or 1.37.2, so kind clusters run the patch kind published
 * (1.37.0 where the other providers run 1.37.2); KAAS_KIND_NODE_IMAGES pins others.
 */
export const KIND_NODE_IMAGES: Readonly<Record<string, KindNodeImage>> = {
  '1.36.1': {
    version: '1.36.1',
    image: 'kindest/node:v1.36.1',
    digest: 'sha256:3489c7674813ba5d8b1a9977baea8a6e553784dab7b84759d1014dbd78f7ebd5',
    source: 'default node image of kind v0.32.0',
  },
  '1.37.0': {
    version: '1.37.0',
    image: 'kindest/node:v1.37.0',
    digest: 'sha256:a1ed56cfb0e7b93589bdf97c8cd566405a265939e3620fc4f5de89adff580ae5',
    source: 'default node image of kind v0.33.0',
  },
};

/** The minors kaas supports that have no pinned image in the catalogue. */
export function catalogueGaps(
  catalogue: Readonly<Record<string, KindNodeImage>> = KIND_NODE_IMAGES,
): string[] {
  const pinned = pinnedVersions(catalogue);
  return SUPPORTED_KUBERNETES_VERSIONS.map(minorOf).filter(
    (minor) => !pinned.some((v) => minorOf(v) === minor),
  );
}

function minorOf(version: string): string {
  return version.split('.').slice(0, 2).join('.');
}

/** The versions of the catalogue that have an image pinned by digest, oldest first. */
export function pinnedVersions(catalogue: Readonly<Record<string, KindNodeImage>>): string[] {
  return Object.keys(catalogue)
    .filter((v) => pinnedImage(catalogue[v]) !== undefined)
    .sort(compareVersions);
}

/**
 * Reads `KAAS_KIND_NODE_IMAGES`: comma-separated `repository:vX.Y.Z@sha256:<hex>` references,
 * each pinning (or re-pinning) the image of its version, which adds that version to what kind
 * clusters may run. Anything else, or a minor kaas does not support, is refused.
 */
export function parseNodeImageOverrides(value: string): Record<string, KindNodeImage> {
  const images: Record<string, KindNodeImage> = {};
  for (const item of value
    .split(',')
    .map((s) => s.trim())
    .filter(Boolean)) {
    const match = IMAGE_REFERENCE.exec(item);
    if (!match) {
      throw new Error(
        `KAAS_KIND_NODE_IMAGES: "${item}" is not an image reference like kindest/node:v1.37.0@sha256:<64 hex digits>`,
      );
    }
    const [, repository, version, digest] = match as unknown as [string, string, string, string];
    const minors = SUPPORTED_KUBERNETES_VERSIONS.map(minorOf);
    if (!minors.includes(minorOf(version))) {
      throw new Error(
        `KAAS_KIND_NODE_IMAGES: "${item}" is Kubernetes ${minorOf(version)}, a minor kaas does not support (${minors.join(', ')})`,
      );
    }
    images[version] = {
      version,
      image: `${repository}:v${version}`,
      digest,
      source: 'KAAS_KIND_NODE_IMAGES',
    };
  }
  return images;
}

/** The pinned reference docker and kind are given, or undefined without a known digest. */
export function pinnedImage(entry: KindNodeImage | undefined): string | undefined {
  if (!entry?.digest || !DIGEST.test(entry.digest)) return undefined;
  return `${entry.image}@${entry.digest}`;
}

/** The kind part of the version catalogue: every version of the catalogue, available once pinned. */
export function kindVersions(images: Readonly<Record<string, KindNodeImage>>): ProviderVersion[] {
  return Object.keys(images)
    .sort(compareVersions)
    .map((version) => {
      const pinned = pinnedImage(images[version]);
      return {
        version,
        available: pinned !== undefined,
        artefact: pinned ?? `kindest/node:v${version}, not pinned: ${images[version]?.source}`,
      };
    });
}
