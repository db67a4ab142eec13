import { describe, expect, it } from '@jest/globals';
import { clusterSpecSchema } from '../../../src/domain/cluster.js';
import {
  KIND_NODE_IMAGES,
  catalogueGaps,
  parseNodeImageOverrides,
  pinnedImage,
} from '../../../src/providers/kind/kind-images.js';
import { kindSpecProblems } from '../../../src/providers/kind/kind-preflight.js';
import { TEST_IMAGES, kindCluster } from '../../support/kind.js';

describe('kind node image catalogue', () => {
  it('has an entry for every Kubernetes version kaas supports', () => {
    expect(catalogueGaps()).toEqual([]);
  });

  it('pins nothing it has no published digest for', () => {
    for (const entry of Object.values(KIND_NODE_IMAGES)) {
      expect(pinnedImage(entry)).toBe(entry.digest ? `${entry.image}@${entry.digest}` : undefined);
      if (!entry.digest) expect(entry.source).toMatch(/no kind release notes/);
    }
  });

  it('refuses a supported version whose image has no digest, naming the setting that fixes it', () => {
    const { spec } = kindCluster({ kubernetesVersion: '1.37.2' });
    const problems = kindSpecProblems(spec, undefined, {
      '1.37.2': { version: '1.37.2', image: 'kindest/node:v1.37.2', source: 'none found' },
    });
    expect(problems).toEqual([
      {
        field: 'spec.kubernetesVersion',
        message:
          "no kindest/node image pinned by digest is known for Kubernetes 1.37.2 (none found); set KAAS_KIND_NODE_IMAGES=kindest/node:v1.37.2@sha256:<digest from kind's release notes>",
      },
    ]);
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
