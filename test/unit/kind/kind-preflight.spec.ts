import { describe, expect, it } from '@jest/globals';
import { clusterCreateSpecSchema, clusterSpecSchema } from '../../../src/domain/cluster.js';
import { validateClusterSpec } from '../../../src/domain/cluster-validation.js';
import {
  KIND_NODE_IMAGES,
  catalogueGaps,
  kindVersions,
  parseNodeImageOverrides,
  pinnedImage,
} from '../../../src/providers/kind/kind-images.js';
import { kindSpecProblems } from '../../../src/providers/kind/kind-preflight.js';
import { KindProvider } from '../../../src/providers/kind/kind.provider.js';
import type { KindTools } from '../../../src/providers/kind/kind-tools.js';
import {
  SHIPPED_IMAGE_1_36,
  SHIPPED_IMAGE_1_37,
  TEST_IMAGES,
  kindCluster,
} from '../../support/kind.js';

describe('kind node image catalogue', () => {
  it('pins an image for every minor kaas supports', () => {
    expect(catalogueGaps()).toEqual([]);
    expect(catalogueGaps({ '1.37.0': KIND_NODE_IMAGES['1.37.0']! })).toEqual(['1.36']);
  });

  it('ships the default node images of kind v0.32.0 and v0.33.0, pinned by digest', () => {
    expect(Object.values(KIND_NODE_IMAGES).map((e) => [pinnedImage(e), e.source])).toEqual([
      [SHIPPED_IMAGE_1_36, 'default node image of kind v0.32.0'],
      [SHIPPED_IMAGE_1_37, 'default node image of kind v0.33.0'],
    ]);
    expect(kindVersions(KIND_NODE_IMAGES).map((v) => [v.version, v.available])).toEqual([
      ['1.36.1', true],
      ['1.37.0', true],
    ]);
  });

  it('refuses a version whose image has no digest, naming what kind runs and how to pin it', () => {
    const { spec } = kindCluster({ kubernetesVersion: '1.37.2' });
    const problems = kindSpecProblems(spec, undefined, {
      '1.37.0': KIND_NODE_IMAGES['1.37.0']!,
      '1.37.2': { version: '1.37.2', image: 'kindest/node:v1.37.2', source: 'none found' },
    });
    expect(problems).toEqual([
      {
        field: 'spec.kubernetesVersion',
        message:
          "no kindest/node image pinned by digest is known for Kubernetes 1.37.2 (none found); kind clusters run 1.37.0; set KAAS_KIND_NODE_IMAGES=kindest/node:v1.37.2@sha256:<digest from kind's release notes> to pin another",
      },
    ]);
  });

  it('adds a version pinned in KAAS_KIND_NODE_IMAGES to what kind clusters run', () => {
    const images = {
      ...KIND_NODE_IMAGES,
      ...parseNodeImageOverrides(`kindest/node:v1.37.2@sha256:${'ab'.repeat(32)}`),
    };
    const provider = new KindProvider({ workdir: '/nonexistent', tools: {} as KindTools, images });
    expect(provider.specVersions()).toEqual(['1.36.1', '1.37.0', '1.37.2']);
    const { spec, problems } = validateClusterSpec(
      clusterCreateSpecSchema.parse({ provider: 'kind' }),
      {
        enabledProviders: ['kind'],
        supportedVersions: provider.specVersions(),
        maxPoolReplicas: 10,
      },
    );
    expect(problems).toEqual([]);
    expect(spec.kubernetesVersion).toBe('1.37.2');
  });

  it('reads pins from KAAS_KIND_NODE_IMAGES and refuses unpinned or malformed ones', () => {
    const digest = `sha256:${'ab'.repeat(32)}`;
    expect(parseNodeImageOverrides(` kindest/node:v1.37.2@${digest} `)).toEqual({
      '1.37.2': {
        version: '1.37.2',
        image: 'kindest/node:v1.37.2',
        digest,
        source: 'KAAS_KIND_NODE_IMAGES',
      },
    });
    expect(() => parseNodeImageOverrides('kindest/node:v1.37.2')).toThrow(/not an image reference/);
    expect(() => parseNodeImageOverrides('kindest/node:latest@sha256:abc')).toThrow(
      /not an image reference/,
    );
    expect(() => parseNodeImageOverrides(`kindest/node:v1.38.0@${digest}`)).toThrow(
      'is Kubernetes 1.38, a minor kaas does not support (1.36, 1.37)',
    );
  });
});

describe('kind spec checks', () => {
  it('accepts a plain spec on pinned images', () => {
    const { spec } = kindCluster({ nodePools: [{ name: 'web', replicas: 2 }] });
    expect(kindSpecProblems(spec, undefined, TEST_IMAGES)).toEqual([]);
  });

  it('refuses flavors, GPUs and labels the kubelet may not set', () => {
    const { spec } = kindCluster({
      controlPlane: { flavor: 'large' },
      nodePools: [
        {
          name: 'gpu',
          replicas: 1,
          flavor: 'gpu-large',
          gpu: { count: 1 },
          labels: { 'node-role.kubernetes.io/worker': '' },
        },
      ],
    });
    expect(kindSpecProblems(spec, undefined, TEST_IMAGES).map((p) => p.field)).toEqual([
      'spec.controlPlane.flavor',
      'spec.nodePools[0].flavor',
      'spec.nodePools[0].gpu',
      'spec.nodePools[0].labels',
    ]);
  });

  it('refuses a control-plane version change: kind cannot replace its control-plane containers', () => {
    const current = kindCluster({ kubernetesVersion: '1.36.3' }).spec;
    const next = clusterSpecSchema.parse({ ...current, kubernetesVersion: '1.37' });
    expect(kindSpecProblems(next, current, TEST_IMAGES)).toEqual([
      {
        field: 'spec.kubernetesVersion',
        message: expect.stringContaining(
          'kind can neither upgrade its control-plane containers in place nor replace them, so the control plane stays on 1.36.3',
        ),
      },
    ]);
  });

  it('accepts moving a pool to the control plane version, which the rollout does with new nodes', () => {
    const current = kindCluster({
      kubernetesVersion: '1.37.2',
      nodePools: [{ name: 'web', replicas: 2, version: '1.36.3' }],
    }).spec;
    const next = clusterSpecSchema.parse({
      ...current,
      nodePools: [{ ...current.nodePools[0], version: '1.37.2' }],
    });
    expect(kindSpecProblems(next, current, TEST_IMAGES)).toEqual([]);
  });

  it('refuses a change of control-plane replicas', () => {
    const current = kindCluster({ controlPlane: { replicas: 1 } }).spec;
    const next = clusterSpecSchema.parse({ ...current, controlPlane: { replicas: 3 } });
    expect(kindSpecProblems(next, current, TEST_IMAGES).map((p) => p.field)).toEqual([
      'spec.controlPlane.replicas',
    ]);
  });
});
