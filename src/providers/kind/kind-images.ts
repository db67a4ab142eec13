import { SUPPORTED_KUBERNETES_VERSIONS } from '../../domain/versions.js';
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
 * The kindest/node images kaas uses, one per supported Kubernetes version, pinned by tag and
 * digest. kind publishes node images only with its releases, each listed in the release notes
 * as `kindest/node:vX.Y.Z@sha256:...`. The newest published image found while this catalogue
 * was written is kind v0.33.0's default, `kindest/node:v1.37.0@sha256:a1ed56cf...` (its
 * pkg/apis/config/defaults/image.go), a version kaas does not offer. No release notes listing
 * images for 1.36.3 or 1.37.2 were found, so those entries carry no digest and preflight
 * refuses them until one is configured (KAAS_KIND_NODE_IMAGES) rather than trusting an
 * unpinned tag.
 */
export const KIND_NODE_IMAGES: Readonly<Record<string, KindNodeImage>> = {
  '1.36.3': {
    version: '1.36.3',
    image: 'kindest/node:v1.36.3',
    source: 'no kind release notes listing kindest/node:v1.36.3 were found',
  },
  '1.37.2': {
    version: '1.37.2',
    image: 'kindest/node:v1.37.2',
    source: 'no kind release notes listing kindest/node:v1.37.2 were found',
  },
};

/** Every supported Kubernetes version has an entry, with or without a digest. */
export function catalogueGaps(
  catalogue: Readonly<Record<string, KindNodeImage>> = KIND_NODE_IMAGES,
): string[] {
  return SUPPORTED_KUBERNETES_VERSIONS.filter((v) => catalogue[v] === undefined);
}

/**
 * Reads `KAAS_KIND_NODE_IMAGES`: comma-separated `repository:vX.Y.Z@sha256:<hex>` references,
 * each pinning (or re-pinning) the image of its version. Anything else is refused.
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
        `KAAS_KIND_NODE_IMAGES: "${item}" is not an image reference like kindest/node:v1.37.2@sha256:<64 hex digits>`,
      );
    }
    const [, repository, version, digest] = match as unknown as [string, string, string, string];
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

/** The kind part of the version catalogue: a version is available once its image is pinned. */
export function kindVersions(images: Readonly<Record<string, KindNodeImage>>): ProviderVersion[] {
  return SUPPORTED_KUBERNETES_VERSIONS.map((version) => {
    const pinned = pinnedImage(images[version]);
    return {
      version,
      available: pinned !== undefined,
      artefact:
        pinned ?? `kindest/node:v${version}, not pinned: ${images[version]?.source ?? 'no entry'}`,
    };
  });
}
