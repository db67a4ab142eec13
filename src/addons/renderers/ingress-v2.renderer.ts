import { TerminalError } from '../../domain/errors.js';
import type { IngressV2AddonConfig } from '../config-schemas.js';
import { manifestObjects, type Renderer } from '../render.js';

const REQUIRED = [
  'authUrl',
  'region',
  'applicationCredentialId',
  'applicationCredentialSecret',
  'clusterId',
  'vipSubnetId',
  'floatingNetworkId',
] as const;

/** The controller's Secret, as deploy/ingress-v2/cloud-secret.yaml describes it. */
export const CLOUD_SECRET = 'ingress-v2-cloud';

/**
 * The Ingress v2 controller from this repository's manifests, with its cloud Secret filled
 * from what the OpenStack provider supplies: the cluster's own application credential, its id
 * (every Octavia object is tagged with it, and kaas deletes what is tagged when the cluster
 * goes), its subnet and, unless turned off, the external network for floating IPs.
 */
export const renderIngressV2: Renderer = async (input) => {
  const { variant, name } = input.addon;
  const given = input.providerInputs ?? {};
  const missing = REQUIRED.filter((k) => !given[k]);
  if (missing.length > 0)
    throw new TerminalError(
      'ProviderInputsMissing',
      `add-on ${name}: the ${variant.providers.join('/')} provider supplied no ${missing.join(', ')}`,
    );
  const config = input.addon.config as IngressV2AddonConfig;
  const secret = {
    apiVersion: 'v1',
    kind: 'Secret',
    metadata: { name: CLOUD_SECRET, namespace: variant.namespace },
    type: 'Opaque',
    stringData: {
      OS_AUTH_URL: given.authUrl!,
      OS_REGION_NAME: given.region!,
      OS_INTERFACE: 'public',
      OS_APPLICATION_CREDENTIAL_ID: given.applicationCredentialId!,
      OS_APPLICATION_CREDENTIAL_SECRET: given.applicationCredentialSecret!,
      KAAS_INGRESS_CLUSTER_ID: given.clusterId!,
      KAAS_INGRESS_VIP_SUBNET_ID: given.vipSubnetId!,
      ...(config.floatingIps ? { KAAS_INGRESS_FLOATING_NETWORK_ID: given.floatingNetworkId! } : {}),
    },
  };
  const manifests = variant.artefacts
    .filter((a) => a.type === 'manifest')
    .flatMap((a) => manifestObjects(input, a.file));
  return { objects: [secret, ...manifests], afterReady: [], gates: [] };
};
