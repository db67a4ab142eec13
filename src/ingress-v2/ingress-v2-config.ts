import { readFileSync } from 'node:fs';
import { z } from 'zod';
import type { CloudConnection, CloudCredentials } from '../providers/openstack/cloud.js';
import { ENDPOINT_INTERFACES } from '../providers/openstack/cloud.js';

/** Everything the controller needs besides a kubeconfig, read once at start. */
export interface IngressV2Config {
  cloud: CloudConnection;
  /** Tags every Octavia object, so garbage collection touches only this cluster's. */
  clusterId: string;
  /** Subnet the load balancers' VIPs are allocated on. */
  vipSubnetId: string;
  /** Subnet members are reached on; absent, Octavia reaches them through the VIP subnet. */
  memberSubnetId?: string;
  /** External network for a floating IP per load balancer; absent, the VIP is the address. */
  floatingNetworkId?: string;
  /** Every load balancer is reconciled, and garbage collected, this often. */
  resyncMs: number;
  /** How often a load balancer with pods waiting on their readiness gate is checked again. */
  gatePollMs: number;
  /** The readiness-gate webhook: the port it serves on and the DNS name the API server dials. */
  webhook?: { port: number; serviceHost: string };
}

const env = z.object({
  OS_AUTH_URL: z.string().url(),
  OS_REGION_NAME: z.string().min(1).default('RegionOne'),
  OS_INTERFACE: z.enum(ENDPOINT_INTERFACES).default('public'),
  OS_APPLICATION_CREDENTIAL_ID: z.string().min(1).optional(),
  OS_APPLICATION_CREDENTIAL_SECRET: z.string().min(1).optional(),
  OS_USERNAME: z.string().min(1).optional(),
  OS_PASSWORD: z.string().min(1).optional(),
  OS_PROJECT_NAME: z.string().min(1).optional(),
  OS_USER_DOMAIN_NAME: z.string().min(1).default('Default'),
  OS_PROJECT_DOMAIN_NAME: z.string().min(1).default('Default'),
  OS_CACERT: z.string().min(1).optional(),
  KAAS_INGRESS_CLUSTER_ID: z
    .string()
    .regex(/^[A-Za-z0-9._-]{1,64}$/, 'letters, digits, ".", "_" or "-", at most 64'),
  KAAS_INGRESS_VIP_SUBNET_ID: z.string().min(1),
  KAAS_INGRESS_MEMBER_SUBNET_ID: z.string().min(1).optional(),
  KAAS_INGRESS_FLOATING_NETWORK_ID: z.string().min(1).optional(),
  KAAS_INGRESS_RESYNC_SECONDS: z.coerce.number().int().min(1).default(60),
  KAAS_INGRESS_GATE_POLL_SECONDS: z.coerce.number().int().min(1).default(5),
  KAAS_INGRESS_WEBHOOK_PORT: z.coerce.number().int().min(1).max(65535).optional(),
  KAAS_INGRESS_WEBHOOK_SERVICE: z.string().min(1).default('ingress-v2-webhook.kaas-ingress-v2.svc'),
});

/** Reads the OS_* variables of an openrc file and the controller's own KAAS_INGRESS_* ones. */
export function ingressV2ConfigFromEnv(source: NodeJS.ProcessEnv = process.env): IngressV2Config {
  const parsed = env.safeParse(source);
  if (!parsed.success)
    throw new Error(
      `ingress-v2 configuration: ${parsed.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; ')}`,
    );
  const e = parsed.data;
  return {
    cloud: {
      authUrl: e.OS_AUTH_URL,
      region: e.OS_REGION_NAME,
      interface: e.OS_INTERFACE,
      credentials: credentials(e),
      ...(e.OS_CACERT ? { caBundle: readFileSync(e.OS_CACERT, 'utf8') } : {}),
    },
    clusterId: e.KAAS_INGRESS_CLUSTER_ID,
    vipSubnetId: e.KAAS_INGRESS_VIP_SUBNET_ID,
    ...(e.KAAS_INGRESS_MEMBER_SUBNET_ID ? { memberSubnetId: e.KAAS_INGRESS_MEMBER_SUBNET_ID } : {}),
    ...(e.KAAS_INGRESS_FLOATING_NETWORK_ID
      ? { floatingNetworkId: e.KAAS_INGRESS_FLOATING_NETWORK_ID }
      : {}),
    resyncMs: e.KAAS_INGRESS_RESYNC_SECONDS * 1000,
    gatePollMs: e.KAAS_INGRESS_GATE_POLL_SECONDS * 1000,
    ...(e.KAAS_INGRESS_WEBHOOK_PORT
      ? {
          webhook: {
            port: e.KAAS_INGRESS_WEBHOOK_PORT,
            serviceHost: e.KAAS_INGRESS_WEBHOOK_SERVICE,
          },
        }
      : {}),
  };
}

function credentials(e: z.output<typeof env>): CloudCredentials {
  if (e.OS_APPLICATION_CREDENTIAL_ID && e.OS_APPLICATION_CREDENTIAL_SECRET)
    return {
      type: 'applicationCredential',
      id: e.OS_APPLICATION_CREDENTIAL_ID,
      secret: e.OS_APPLICATION_CREDENTIAL_SECRET,
    };
  if (e.OS_USERNAME && e.OS_PASSWORD && e.OS_PROJECT_NAME)
    return {
      type: 'password',
      username: e.OS_USERNAME,
      password: e.OS_PASSWORD,
      userDomainName: e.OS_USER_DOMAIN_NAME,
      projectName: e.OS_PROJECT_NAME,
      projectDomainName: e.OS_PROJECT_DOMAIN_NAME,
    };
  throw new Error(
    'ingress-v2 configuration: set OS_APPLICATION_CREDENTIAL_ID and OS_APPLICATION_CREDENTIAL_SECRET, or OS_USERNAME, OS_PASSWORD and OS_PROJECT_NAME',
  );
}
