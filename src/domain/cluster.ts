import { z } from 'zod';
import { dnsLabel, labelKey, labelMap, labelValue, plainText } from './names.js';
import { DEFAULT_KUBERNETES_MINOR, DEFAULT_KUBERNETES_VERSION } from './versions.js';
import type { Condition } from './conditions.js';
import {
  AUTO_REPAIR_DEFAULTS,
  autoRepairPolicyPatchSchema,
  autoRepairPolicySchema,
  poolAutoRepairSchema,
} from './auto-repair.js';

export const PROVIDER_NAMES = ['fake', 'kwok', 'openstack', 'kind'] as const;
export type ProviderName = (typeof PROVIDER_NAMES)[number];

/** Cluster names leave room for `-<pool>-<suffix>` inside a 63-character machine name. */
export const clusterName = dnsLabel(32);
export const poolName = dnsLabel(24);

const OCTET = '(25[0-5]|2[0-4][0-9]|1[0-9][0-9]|[1-9]?[0-9])';
const cidr = z
  .string()
  .regex(
    new RegExp(`^${OCTET}\\.${OCTET}\\.${OCTET}\\.${OCTET}/([89]|1[0-9]|2[0-8])$`),
    'must be an IPv4 CIDR with a prefix from /8 to /28, such as 10.244.0.0/16',
  );

const controlPlaneReplicas = z.union([z.literal(1), z.literal(3), z.literal(5)]);
/** Flavors are provider names (OpenStack flavors may hold spaces), never control characters. */
const flavor = plainText(1, 128);
const kubernetesVersion = z
  .string()
  .min(1)
  .max(32)
  .regex(/^v?[0-9]+\.[0-9]+(\.[0-9]+)?$/, 'a version such as 1.37 or 1.37.2');

export const taintSchema = z.strictObject({
  key: labelKey,
  value: labelValue.optional(),
  effect: z.enum(['NoSchedule', 'PreferNoSchedule', 'NoExecute']),
});

export const nodePoolSpecSchema = z.strictObject({
  name: poolName,
  replicas: z.int().min(0),
  flavor: flavor.default('standard'),
  labels: labelMap.default({}),
  taints: z.array(taintSchema).max(32).default([]),
  gpu: z
    .strictObject({
      count: z.int().min(1).max(16),
      type: z
        .string()
        .min(1)
        .max(63)
        .regex(/^[A-Za-z0-9][-A-Za-z0-9_.]*$/, 'letters, digits, -, _ and .')
        .default('nvidia-tesla-t4'),
    })
    .optional(),
  /** Pins the pool's version; without it the pool follows the control plane, upgrades included. */
  version: z
    .string()
    .min(1)
    .max(32)
    .regex(/^v?[0-9]+\.[0-9]+(\.[0-9]+)?$/, 'a version such as 1.37 or 1.37.2')
    .optional(),
  upgrade: z
    .strictObject({
      maxSurge: z.int().min(0).max(100).default(1),
      maxUnavailable: z.int().min(0).max(100).default(0),
      drainTimeoutSeconds: z.int().min(0).max(86400).default(600),
      /**
       * When PodDisruptionBudgets still block a drain after the timeout: `Fail` stops the
       * rollout with the blocking pods named; `Proceed` deletes the node anyway.
       */
      onDrainTimeout: z.enum(['Fail', 'Proceed']).default('Fail'),
    })
    .default({ maxSurge: 1, maxUnavailable: 0, drainTimeoutSeconds: 600, onDrainTimeout: 'Fail' }),
  autoRepair: poolAutoRepairSchema.optional(),
});

/** Catalogue names: what `spec.addons` is keyed by (checked against the catalogue on validation). */
export const addonName = dnsLabel(63);
const addonVersion = z
  .string()
  .min(1)
  .max(32)
  .regex(/^v?[0-9]+\.[0-9]+\.[0-9]+([-+][0-9A-Za-z.-]+)?$/, 'a version such as 1.0.0');

/** Keys of add-on configuration: any text but control characters (which jsonb cannot keep). */
const configKey = plainText(1, 253);

/**
 * A JSON value of add-on configuration, as deep as Helm values go, with no control characters
 * in its strings or keys.
 */
export type ConfigValue =
  string | number | boolean | null | ConfigValue[] | { [key: string]: ConfigValue };
export const configValue: z.ZodType<ConfigValue> = z
  .lazy(() =>
    z.union([
      plainText(0, 16_384),
      z.number(),
      z.boolean(),
      z.null(),
      z.array(configValue).max(256),
      z.record(configKey, configValue),
    ]),
  )
  .meta({ id: 'AddonConfigValue' });

const addonConfig = z.record(configKey, configValue);

/**
 * One add-on's wishes. `enabled` absent means the catalogue's default for this cluster (the
 * load balancer on, the GPU operator on when a pool has GPUs); `version` absent means the
 * catalogue's default version, pinned into the spec when it is accepted; `config` is deep-merged
 * over the version's default configuration.
 */
export const addonSpecSchema = z.strictObject({
  enabled: z.boolean().optional(),
  version: addonVersion.optional(),
  config: addonConfig.optional(),
});
export type AddonSpec = z.output<typeof addonSpecSchema>;

const addonsSpec = z
  .record(addonName, addonSpecSchema)
  .refine((m) => Object.keys(m).length <= 16, 'at most 16 add-ons');
const openstackImage = plainText(1, 255).meta({
  description:
    'Glance image (name or id) machines boot from: an OS with kubeadm, kubelet and a container ' +
    "runtime. `{version}` in it is replaced by the machine's Kubernetes version (e.g. " +
    '`ubuntu-22.04-kube-v{version}` boots `ubuntu-22.04-kube-v1.37.2`), so an upgrade boots the ' +
    "new version's image. An image whose `kube_version` property names another minor than the " +
    "machine's version is refused.",
});

/** Where and how an `openstack` cluster is built; required with that provider, refused without. */
export const openstackSpecSchema = z.strictObject({
  /** A cloud a platform administrator registered and granted to the project. */
  cloud: dnsLabel(63),
  /** Glance image (name or id) machines boot from: an OS with kubeadm and a container runtime. */
  image: openstackImage,
  /** The external network the router's gateway and the optional floating IP come from. */
  externalNetwork: plainText(1, 255).default('public'),
  /** An existing network (name or id) to use instead of creating one; no router is made then. */
  network: plainText(1, 255).optional(),
  /** The subnet kaas creates for the nodes; must not overlap the pod or service CIDR. */
  nodeCidr: cidr.default('10.0.0.0/24'),
  /** A floating IP on the API load balancer, so the API is reachable from outside the cloud. */
  floatingIp: z.boolean().default(false),
  /** A Nova key pair injected into every machine, for debugging nodes by SSH. */
  keyName: plainText(1, 255).optional(),
});
export type OpenStackSpec = z.output<typeof openstackSpecSchema>;

export const clusterSpecSchema = z.strictObject({
  provider: z.enum(PROVIDER_NAMES),
  kubernetesVersion: kubernetesVersion.default(DEFAULT_KUBERNETES_VERSION).meta({
    description:
      'A full version (`1.37.2`) or a minor (`1.37`), which resolves to the newest patch of that ' +
      'minor the provider offers; the stored spec holds the full version. Providers offer ' +
      'different patches: kind runs the node images kind published (`1.37.0`, not `1.37.2`).',
  }),
  controlPlane: z
    .strictObject({
      replicas: controlPlaneReplicas.default(1),
      flavor: flavor.default('standard'),
    })
    .default({ replicas: 1, flavor: 'standard' }),
  network: z
    .strictObject({
      podCidr: cidr.default('10.244.0.0/16'),
      serviceCidr: cidr.default('10.96.0.0/12'),
    })
    .default({ podCidr: '10.244.0.0/16', serviceCidr: '10.96.0.0/12' }),
  nodePools: z.array(nodePoolSpecSchema).max(32).default([]),
  addons: addonsSpec.default({}),
  deletionProtection: z.boolean().default(false),
  labels: labelMap.default({}),
  autoRepair: autoRepairPolicySchema.default({ ...AUTO_REPAIR_DEFAULTS }),
  openstack: openstackSpecSchema.optional(),
});

/**
 * The spec of a new cluster. Without a kubernetesVersion it gets the default minor, which
 * validation resolves to the newest patch the cluster's provider offers.
 */
export const clusterCreateSpecSchema = clusterSpecSchema.extend({
  kubernetesVersion: kubernetesVersion.default(DEFAULT_KUBERNETES_MINOR).meta({
    description:
      'A full version (`1.37.2`) or a minor (`1.37`), which resolves to the newest patch of that ' +
      `minor the provider offers; omitted: ${DEFAULT_KUBERNETES_MINOR}. The stored spec holds ` +
      'the full version. Providers offer different patches: kind runs the node images kind ' +
      'published (`1.37.0`, not `1.37.2`).',
  }),
});

/**
 * What a JSON merge patch of the spec may hold: every field optional, arrays replaced whole,
 * a label set to null removed. The patched spec is then checked against clusterSpecSchema.
 */
export const clusterSpecPatchSchema = z.strictObject({
  provider: z.enum(PROVIDER_NAMES).optional(),
  kubernetesVersion: kubernetesVersion.optional(),
  controlPlane: z
    .strictObject({ replicas: controlPlaneReplicas.optional(), flavor: flavor.optional() })
    .optional(),
  network: z.strictObject({ podCidr: cidr.optional(), serviceCidr: cidr.optional() }).optional(),
  nodePools: z.array(nodePoolSpecSchema).max(32).optional(),
  addons: z
    .record(
      addonName,
      z
        .strictObject({
          enabled: z.boolean().nullable().optional(),
          version: addonVersion.nullable().optional(),
          config: addonConfig.nullable().optional(),
        })
        .nullable(),
    )
    .optional(),
  deletionProtection: z.boolean().optional(),
  labels: z.record(labelKey, labelValue.nullable()).optional(),
  autoRepair: autoRepairPolicyPatchSchema.optional(),
  openstack: z
    .strictObject({
      cloud: dnsLabel(63).optional(),
      image: openstackImage.optional(),
      externalNetwork: plainText(1, 255).optional(),
      network: plainText(1, 255).nullable().optional(),
      nodeCidr: cidr.optional(),
      floatingIp: z.boolean().optional(),
      keyName: plainText(1, 255).nullable().optional(),
    })
    .optional(),
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

export const ADDON_PHASES = ['Installing', 'Healthy', 'Failed', 'Removing'] as const;
export type AddonPhase = (typeof ADDON_PHASES)[number];

/** What the cluster status says of one add-on. */
export interface AddonStatus {
  name: string;
  version: string;
  phase: AddonPhase;
  message?: string;
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
  addons?: AddonStatus[];
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
