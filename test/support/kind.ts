import { clusterSpecSchema, type ClusterSpecInput } from '../../src/domain/cluster.js';
import type { ClusterRef } from '../../src/providers/infrastructure-provider.js';
import type { KindNodeImage } from '../../src/providers/kind/kind-images.js';

/** Digests made up for tests: the stand-in accepts any well-formed pin. */
export const TEST_DIGEST_1_36 = `sha256:${'36'.repeat(32)}`;
export const TEST_DIGEST_1_37 = `sha256:${'37'.repeat(32)}`;

/** The references kaas ships for kind, the default node images of kind v0.32.0 and v0.33.0. */
export const SHIPPED_IMAGE_1_36 =
  'kindest/node:v1.36.1@sha256:3489c7674813ba5d8b1a9977baea8a6e553784dab7b84759d1014dbd78f7ebd5';
export const SHIPPED_IMAGE_1_37 =
  'kindest/node:v1.37.0@sha256:a1ed56cfb0e7b93589bdf97c8cd566405a265939e3620fc4f5de89adff580ae5';

export const TEST_IMAGES: Record<string, KindNodeImage> = {
  '1.36.3': {
    version: '1.36.3',
    image: 'kindest/node:v1.36.3',
    digest: TEST_DIGEST_1_36,
    source: 'test fixture',
  },
  '1.37.2': {
    version: '1.37.2',
    image: 'kindest/node:v1.37.2',
    digest: TEST_DIGEST_1_37,
    source: 'test fixture',
  },
};

export const CLUSTER_ID = '0192d3a4-5b6c-7d8e-9f01-23456789abcd';
/** KindProvider.clusterName(CLUSTER_ID). */
export const KIND_NAME = 'kaas-23456789abcd';

export function kindCluster(
  spec: Omit<ClusterSpecInput, 'provider'> = {},
  name = 'dev',
): ClusterRef {
  return {
    id: CLUSTER_ID,
    name,
    projectId: 'p-1',
    spec: clusterSpecSchema.parse({ provider: 'kind', ...spec }),
  };
}
