import {
  CONTROL_PLANE_TAINT,
  type InitConfigInput,
  type JoinConfigInput,
} from '../../../src/bootstrap/kubeadm-config.js';

export const TOKEN = 'abcdef.0123456789abcdef';
export const HASH = `sha256:${'ab'.repeat(32)}`;

export function initInput(overrides: Partial<InitConfigInput> = {}): InitConfigInput {
  return {
    kubernetesVersion: '1.37.2',
    clusterName: 'prod',
    controlPlaneEndpoint: 'api.prod.example.com:6443',
    podCidr: '10.244.0.0/16',
    serviceCidr: '10.96.0.0/12',
    certSANs: ['api.prod.example.com', '203.0.113.10'],
    bootstrapToken: { token: TOKEN, ttlSeconds: 7200 },
    node: {
      name: 'prod-cp-abc12',
      labels: { 'kaas.dev/pool': 'control-plane', 'node.kubernetes.io/instance-type': 'm1.large' },
      taints: [CONTROL_PLANE_TAINT],
    },
    cloudProvider: 'external',
    ...overrides,
  };
}

export function joinInput(overrides: Partial<JoinConfigInput> = {}): JoinConfigInput {
  return {
    kubernetesVersion: '1.37.2',
    controlPlaneEndpoint: 'api.prod.example.com:6443',
    token: TOKEN,
    caCertHashes: [HASH],
    node: { name: 'prod-workers-x7k2p', labels: { 'kaas.dev/pool': 'workers' }, taints: [] },
    cloudProvider: 'external',
    ...overrides,
  };
}
