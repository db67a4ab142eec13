import { describe, expect, it } from '@jest/globals';
import { parse } from 'yaml';
import { renderKindConfig } from '../../../src/providers/kind/kind-config.js';
import { clusterCreateSpecSchema, clusterSpecSchema } from '../../../src/domain/cluster.js';
import { validateClusterSpec } from '../../../src/domain/cluster-validation.js';
import { KIND_NODE_IMAGES, pinnedImage } from '../../../src/providers/kind/kind-images.js';
import { KindProvider } from '../../../src/providers/kind/kind.provider.js';
import type { KindTools } from '../../../src/providers/kind/kind-tools.js';
import {
  KIND_NAME,
  SHIPPED_IMAGE_1_36,
  SHIPPED_IMAGE_1_37,
  TEST_DIGEST_1_36,
  TEST_DIGEST_1_37,
  TEST_IMAGES,
  kindCluster,
} from '../../support/kind.js';

const imageFor = (v: string) => pinnedImage(TEST_IMAGES[v]);

describe('kind config rendering', () => {
  it('puts the API server on 127.0.0.1 and carries the spec networks', () => {
    const { spec } = kindCluster({
      network: { podCidr: '10.50.0.0/16', serviceCidr: '10.60.0.0/16' },
    });
    const config = parse(renderKindConfig(KIND_NAME, spec, imageFor).yaml);
    expect(config).toMatchObject({
      kind: 'Cluster',
      apiVersion: 'kind.x-k8s.io/v1alpha4',
      name: KIND_NAME,
      networking: {
        apiServerAddress: '127.0.0.1',
        apiServerPort: 0,
        podSubnet: '10.50.0.0/16',
        serviceSubnet: '10.60.0.0/16',
      },
    });
  });

  it('renders one node per control-plane replica and per pool replica, each on its pinned image', () => {
    const { spec } = kindCluster({
      kubernetesVersion: '1.37',
      controlPlane: { replicas: 3 },
      nodePools: [
        { name: 'web', replicas: 2 },
        { name: 'old', replicas: 1, version: '1.36.3' },
      ],
    });
    const rendered = renderKindConfig(KIND_NAME, spec, imageFor);
    const nodes = parse(rendered.yaml).nodes as { role: string; image: string }[];
    expect(nodes.map((n) => [n.role, n.image])).toEqual([
      ['control-plane', `kindest/node:v1.37.2@${TEST_DIGEST_1_37}`],
      ['control-plane', `kindest/node:v1.37.2@${TEST_DIGEST_1_37}`],
      ['control-plane', `kindest/node:v1.37.2@${TEST_DIGEST_1_37}`],
      ['worker', `kindest/node:v1.37.2@${TEST_DIGEST_1_37}`],
      ['worker', `kindest/node:v1.37.2@${TEST_DIGEST_1_37}`],
      ['worker', `kindest/node:v1.36.3@${TEST_DIGEST_1_36}`],
    ]);
    expect(rendered.nodes).toEqual([
      { container: `${KIND_NAME}-control-plane`, role: 'control-plane', version: '1.37.2' },
      { container: `${KIND_NAME}-control-plane2`, role: 'control-plane', version: '1.37.2' },
      { container: `${KIND_NAME}-control-plane3`, role: 'control-plane', version: '1.37.2' },
      { container: `${KIND_NAME}-worker`, role: 'worker', pool: 'web', version: '1.37.2' },
      { container: `${KIND_NAME}-worker2`, role: 'worker', pool: 'web', version: '1.37.2' },
      { container: `${KIND_NAME}-worker3`, role: 'worker', pool: 'old', version: '1.36.3' },
    ]);
  });

  it('gives workers their pool labels and the taints through a JoinConfiguration patch', () => {
    const { spec } = kindCluster({
      nodePools: [
        {
          name: 'gpu',
          replicas: 1,
          labels: { 'example.com/team': 'ml' },
          taints: [{ key: 'dedicated', value: 'ml', effect: 'NoSchedule' }],
        },
        { name: 'plain', replicas: 1 },
      ],
    });
    const nodes = parse(renderKindConfig(KIND_NAME, spec, imageFor).yaml).nodes;
    expect(nodes[1].labels).toEqual({ 'example.com/team': 'ml', 'kaas.dev/pool': 'gpu' });
    expect(parse(nodes[1].kubeadmConfigPatches[0])).toEqual({
      kind: 'JoinConfiguration',
      nodeRegistration: { taints: [{ key: 'dedicated', value: 'ml', effect: 'NoSchedule' }] },
    });
    expect(nodes[2].labels).toEqual({ 'kaas.dev/pool': 'plain' });
    expect(nodes[2].kubeadmConfigPatches).toBeUndefined();
  });

  it('renders a cluster without a version, or on 1.37, with the shipped 1.37.0 image', () => {
    const kind = new KindProvider({ workdir: '/nonexistent', tools: {} as KindTools });
    const shipped = (v: string) => pinnedImage(KIND_NODE_IMAGES[v]);
    for (const input of [{}, { kubernetesVersion: '1.37' }]) {
      const { spec, problems } = validateClusterSpec(
        clusterCreateSpecSchema.parse({
          provider: 'kind',
          nodePools: [{ name: 'web', replicas: 1 }],
          ...input,
        }),
        { enabledProviders: ['kind'], supportedVersions: kind.specVersions(), maxPoolReplicas: 10 },
      );
      expect(problems).toEqual([]);
      expect(spec.kubernetesVersion).toBe('1.37.0');
      const rendered = renderKindConfig(KIND_NAME, spec, shipped);
      expect(parse(rendered.yaml).nodes.map((n: { image: string }) => n.image)).toEqual([
        SHIPPED_IMAGE_1_37,
        SHIPPED_IMAGE_1_37,
      ]);
    }
  });

  it('resolves a minor against the versions it is given', () => {
    const spec = clusterSpecSchema.parse({ provider: 'kind', kubernetesVersion: '1.36' });
    const rendered = renderKindConfig(
      KIND_NAME,
      spec,
      (v) => pinnedImage(KIND_NODE_IMAGES[v]),
      Object.keys(KIND_NODE_IMAGES),
    );
    expect(rendered.nodes.map((n) => n.version)).toEqual(['1.36.1']);
    expect(parse(rendered.yaml).nodes[0].image).toBe(SHIPPED_IMAGE_1_36);
  });

  it('refuses to render a node whose version has no pinned digest', () => {
    const { spec } = kindCluster({ kubernetesVersion: '1.37.2' });
    expect(() => renderKindConfig(KIND_NAME, spec, () => undefined)).toThrow(
      'no kindest/node image with a digest is known for Kubernetes 1.37.2',
    );
  });
});
