import { TerminalError } from '../../domain/errors.js';
import type { OccmConfig } from '../config-schemas.js';
import { manifestObjects, type Renderer } from '../render.js';

/** What the OpenStack provider supplies: a per-cluster Keystone application credential. */
export interface OpenStackCloudInputs {
  authUrl: string;
  region: string;
  applicationCredentialId: string;
  applicationCredentialSecret: string;
}

const REQUIRED: (keyof OpenStackCloudInputs)[] = [
  'authUrl',
  'region',
  'applicationCredentialId',
  'applicationCredentialSecret',
];

/** A gcfg value in quotes: backslashes and quotes escaped, line breaks refused. */
function quoted(key: string, value: string): string {
  if (/[\r\n]/.test(value))
    throw new TerminalError('InvalidCloudConfig', `${key} holds a line break`);
  return `"${value.replace(/\\/g, '\\\\').replace(/"/g, '\\"')}"`;
}

/** cloud.conf as openstack-cloud-controller-manager reads it (see its cloud-config.example). */
export function renderCloudConf(inputs: OpenStackCloudInputs, config: OccmConfig): string {
  const lb = config.loadBalancer;
  const lines = [
    '[Global]',
    `auth-url=${quoted('auth-url', inputs.authUrl)}`,
    `application-credential-id=${quoted('application-credential-id', inputs.applicationCredentialId)}`,
    `application-credential-secret=${quoted('application-credential-secret', inputs.applicationCredentialSecret)}`,
    `region=${quoted('region', inputs.region)}`,
    '',
    '[LoadBalancer]',
    `lb-method=${lb.lbMethod}`,
    `create-monitor=${lb.createMonitor}`,
    ...(lb.floatingNetworkId ? [`floating-network-id=${lb.floatingNetworkId}`] : []),
    ...(lb.subnetId ? [`subnet-id=${lb.subnetId}`] : []),
    '',
  ];
  return lines.join('\n');
}

export function openStackInputs(
  addon: string,
  inputs: Record<string, string> | undefined,
): OpenStackCloudInputs {
  const missing = REQUIRED.filter((k) => !inputs?.[k]);
  if (missing.length > 0) {
    throw new TerminalError(
      'ProviderInputsMissing',
      `add-on ${addon}: the openstack provider supplied no ${missing.join(', ')} for the cloud-config Secret`,
    );
  }
  return inputs as unknown as OpenStackCloudInputs;
}

/** The upstream RBAC and DaemonSet, with Secret kube-system/cloud-config applied ahead of them. */
export const renderOpenStackCcm: Renderer = async (input) => {
  const { variant, name } = input.addon;
  const cloudConf = renderCloudConf(
    openStackInputs(name, input.providerInputs),
    input.addon.config as OccmConfig,
  );
  const secret = {
    apiVersion: 'v1',
    kind: 'Secret',
    metadata: { name: 'cloud-config', namespace: variant.namespace },
    type: 'Opaque',
    stringData: { 'cloud.conf': cloudConf },
  };
  const manifests = variant.artefacts
    .filter((a) => a.type === 'manifest')
    .flatMap((a) => manifestObjects(input, a.file));
  return { objects: [secret, ...manifests], afterReady: [], gates: [] };
};
