import { z } from 'zod';
import type { RendererName } from './catalogue-schema.js';

const OCTET = '(25[0-5]|2[0-4][0-9]|1[0-9][0-9]|[1-9]?[0-9])';
const IP = `${OCTET}\\.${OCTET}\\.${OCTET}\\.${OCTET}`;

/** What MetalLB accepts in an IPAddressPool: a CIDR or a `first-last` range. */
const addressRange = z
  .string()
  .regex(
    new RegExp(`^(${IP}/([0-9]|[12][0-9]|3[0-2])|${IP}-${IP})$`),
    'an IPv4 CIDR (10.250.0.0/24) or range (10.250.0.10-10.250.0.50)',
  );

const metallbConfig = z.strictObject({
  addresses: z.array(addressRange).min(1).max(16),
  avoidBuggyIPs: z.boolean(),
});

const occmConfig = z.strictObject({
  loadBalancer: z.strictObject({
    lbMethod: z.enum(['ROUND_ROBIN', 'LEAST_CONNECTIONS', 'SOURCE_IP']),
    createMonitor: z.boolean(),
    floatingNetworkId: z.uuid().optional(),
    subnetId: z.uuid().optional(),
  }),
});

/** Helm values for the chart; only the namespace is kaas's to choose. */
const gpuOperatorConfig = z
  .record(z.string(), z.unknown())
  .refine((v) => !('namespaceOverride' in v), 'namespaceOverride cannot be set');

/** Ingress v2: whether each load balancer also gets a floating IP on the external network. */
const ingressV2Config = z.strictObject({ floatingIps: z.boolean() });

/** Manifests shipped as they are take no configuration. */
const noConfig = z.strictObject({});

export const CONFIG_SCHEMAS = {
  metallb: metallbConfig,
  'openstack-cloud-controller-manager': occmConfig,
  'gpu-operator': gpuOperatorConfig,
  manifests: noConfig,
  'ingress-v2': ingressV2Config,
} as const satisfies Record<RendererName, z.ZodType>;

export type MetallbConfig = z.output<typeof metallbConfig>;
export type OccmConfig = z.output<typeof occmConfig>;
export type IngressV2AddonConfig = z.output<typeof ingressV2Config>;
