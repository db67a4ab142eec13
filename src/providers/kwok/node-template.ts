import type { V1Node } from '@kubernetes/client-node';
import type { MachineRequest } from '../infrastructure-provider.js';

/** What a kwok node offers per flavor: enough for the scheduler to place pods realistically. */
export const KWOK_FLAVORS: Record<string, { cpu: string; memory: string }> = {
  standard: { cpu: '4', memory: '16Gi' },
  large: { cpu: '16', memory: '64Gi' },
  'gpu-small': { cpu: '8', memory: '32Gi' },
  'gpu-large': { cpu: '32', memory: '128Gi' },
};

export const POOL_LABEL = 'kaas.dev/pool';
export const CLUSTER_LABEL = 'kaas.dev/cluster';

/**
 * The Node a machine registers as: kwok manages nodes annotated `kwok.x-k8s.io/node: fake`
 * (heartbeats, Ready, pods Running). Labels, taints and capacity come from the pool.
 */
export function nodeFor(clusterId: string, providerId: string, machine: MachineRequest): V1Node {
  const flavor = KWOK_FLAVORS[machine.flavor] ?? KWOK_FLAVORS.standard!;
  const gpu = machine.pool?.gpu;
  const capacity: Record<string, string> = { cpu: flavor.cpu, memory: flavor.memory, pods: '110' };
  if (gpu) capacity['nvidia.com/gpu'] = String(gpu.count);
  const labels: Record<string, string> = {
    ...machine.pool?.labels,
    'kubernetes.io/hostname': machine.name,
    'kubernetes.io/os': 'linux',
    'kubernetes.io/arch': 'amd64',
    'node.kubernetes.io/instance-type': machine.flavor,
    type: 'kwok',
    [CLUSTER_LABEL]: clusterId,
  };
  if (machine.pool) labels[POOL_LABEL] = machine.pool.name;
  if (machine.role === 'control-plane') labels['node-role.kubernetes.io/control-plane'] = '';
  if (gpu) {
    labels['nvidia.com/gpu.present'] = 'true';
    labels['nvidia.com/gpu.product'] = gpu.type;
    labels['nvidia.com/gpu.count'] = String(gpu.count);
  }
  const taints = [
    ...(machine.pool?.taints ?? []).map((t) => ({
      key: t.key,
      effect: t.effect,
      ...(t.value ? { value: t.value } : {}),
    })),
    ...(machine.role === 'control-plane'
      ? [{ key: 'node-role.kubernetes.io/control-plane', effect: 'NoSchedule' }]
      : []),
  ];
  return {
    apiVersion: 'v1',
    kind: 'Node',
    metadata: {
      name: machine.name,
      labels,
      annotations: { 'kwok.x-k8s.io/node': 'fake', 'node.alpha.kubernetes.io/ttl': '0' },
    },
    spec: { providerID: providerId, ...(taints.length > 0 ? { taints } : {}) },
    status: {
      allocatable: capacity,
      capacity,
      nodeInfo: {
        architecture: 'amd64',
        operatingSystem: 'linux',
        kubeletVersion: `v${machine.version}`,
        kubeProxyVersion: `v${machine.version}`,
        bootID: '',
        containerRuntimeVersion: 'kwok',
        kernelVersion: '',
        machineID: '',
        osImage: 'kwok',
        systemUUID: '',
      },
      phase: 'Running',
    },
  };
}

/**
 * kwokctl configuration under which kwok drives only the nodes annotated as above, as it does
 * for the nodes kaas registers; a node whose annotation is taken away stops heartbeating, like
 * a machine whose kubelet died (how auto-repair is tested against real clusters).
 */
export const KWOK_ANNOTATED_NODES_ONLY = [
  'kind: KwokctlConfiguration',
  'apiVersion: config.kwok.x-k8s.io/v1alpha1',
  'componentsPatches:',
  '- name: kwok-controller',
  '  extraArgs:',
  '  - key: manage-all-nodes',
  '    value: "false"',
  '  - key: manage-nodes-with-annotation-selector',
  '    value: kwok.x-k8s.io/node=fake',
].join('\n');
