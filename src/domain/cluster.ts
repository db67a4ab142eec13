import { z } from 'zod';
import { dnsLabel, labelMap } from './names.js';
import { DEFAULT_KUBERNETES_VERSION } from './versions.js';
import type { Condition } from './conditions.js';

export const PROVIDER_NAMES = ['fake', 'kwok', 'openstack', 'kind'] as const;
export type ProviderName = (typeof PROVIDER_NAMES)[number];

/** Cluster names leave room for `-<pool>-<suffix>` inside a 63-character machine name. */
export const clusterName = dnsLabel(32);
export const poolName = dnsLabel(24);

const cidr = z
  .string()
  .regex(/^(\d{1,3})\.(\d{1,3})\.(\d{1,3})\.(\d{1,3})\/(\d{1,2})$/, 'must be an IPv4 CIDR such as 10.244.0.0/16')
  .refine((v) => {
    const [ip, bits] = v.split('/');
    return ip!.split('.').every((o) => Number(o) <= 255) && Number(bits) >= 8 && Number(bits) <= 28;
  }, 'octets must be at most 255 and the prefix between /8 and /28');

export const taintSchema = z.strictObject({
  key: z.string().min(1).max(253),
  value: z.string().max(63).optional(),
  effect: z.enum(['NoSchedule', 'PreferNoSchedule', 'NoExecute']),
});

export const nodePoolSpecSchema = z.strictObject({
  name: poolName,
  replicas: z.int().min(0),
  flavor: z.string().min(1).max(128).default('standard'),
  labels: labelMap.default({}),
  taints: z.array(taintSchema).max(32).default([]),
  gpu: z
    .strictObject({
      count: z.int().min(1).max(16),
      type: z.string().min(1).max(64).default('nvidia-tesla-t4'),
    })
    .optional(),
  /** Defaults to the cluster's version. */
  version: z.string().optional(),
  upgrade: z
    .strictObject({
      maxSurge: z.int().min(0).max(100).default(1),
      maxUnavailable: z.int().min(0).max(100).default(0),
      drainTimeoutSeconds: z.int().min(0).max(86400).default(600),
    })
    .default({ maxSurge: 1, maxUnavailable: 0, drainTimeoutSeconds: 600 }),
});

export const clusterSpecSchema = z.strictObject({
  provider: z.enum(PROVIDER_NAMES),
  kubernetesVersion: z.string().default(DEFAULT_KUBERNETES_VERSION),
  controlPlane: z
    .strictObject({
      replicas: z.union([z.literal(1), z.literal(3), z.literal(5)]).default(1),
      flavor: z.string().min(1).max(128).default('standard'),
    })
    .default({ replicas: 1, flavor: 'standard' }),
  network: z
    .strictObject({
      podCidr: cidr.default('10.244.0.0/16'),
      serviceCidr: cidr.default('10.96.0.0/12'),
    })
    .default({ podCidr: '10.244.0.0/16', serviceCidr: '10.96.0.0/12' }),
  nodePools: z.array(nodePoolSpecSchema).max(32).default([]),
  deletionProtection: z.boolean().default(false),
  labels: labelMap.default({}),
});

export type ClusterSpec = z.output<typeof clusterSpecSchema>;
export type ClusterSpecInput = z.input<typeof clusterSpecSchema>;
export type NodePoolSpec = z.output<typeof nodePoolSpecSchema>;

export const CLUSTER_PHASES = [
  'Provisioning',
  'Running',
  'Updating',
  'Degraded',
  'Failed',
  'Deleting',
] as const;
export type ClusterPhase = (typeof CLUSTER_PHASES)[number];

export interface NodePoolStatus {
  name: string;
  desiredReplicas: number;
  replicas: number;
  readyReplicas: number;
  versions: string[];
}

export interface ClusterStatus {
  phase: ClusterPhase;
  conditions: Condition[];
  endpoint?: string;
  controlPlaneVersion?: string;
  nodeCounts: { desired: number; total: number; ready: number };
  nodePools: NodePoolStatus[];
  observedGeneration: number;
  currentOperationId?: string;
}

export function initialStatus(): ClusterStatus {
  return {
    phase: 'Provisioning',
    conditions: [],
    nodeCounts: { desired: 0, total: 0, ready: 0 },
    nodePools: [],
    observedGeneration: 0,
  };
}

/** Machines the spec asks for: control plane plus every pool. */
export function desiredMachineCount(spec: ClusterSpec): number {
  return spec.controlPlane.replicas + spec.nodePools.reduce((n, p) => n + p.replicas, 0);
}
