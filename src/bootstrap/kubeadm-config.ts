import { isIP } from 'node:net';
import { isLabelKey, isLabelValue } from '../domain/names.js';
import { parseVersion } from '../domain/versions.js';
import { formatEndpoint, parseEndpoint } from './endpoint.js';
import { BOOTSTRAP_TOKEN_PATTERN } from './tokens.js';
import { toMultiDocumentYaml } from './yaml.js';

export const KUBEADM_V1BETA3 = 'kubeadm.k8s.io/v1beta3';
export const KUBEADM_V1BETA4 = 'kubeadm.k8s.io/v1beta4';
export type KubeadmApiVersion = typeof KUBEADM_V1BETA3 | typeof KUBEADM_V1BETA4;

/** Where cloud-init writes the config; /run is tmpfs, so the token inside does not outlive a reboot. */
export const KUBEADM_INIT_CONFIG_PATH = '/run/kubeadm/kubeadm.yaml';
export const KUBEADM_JOIN_CONFIG_PATH = '/run/kubeadm/kubeadm-join.yaml';

/** The taint kubeadm puts on control-plane nodes when none are given. */
export const CONTROL_PLANE_TAINT: NodeTaint = {
  key: 'node-role.kubernetes.io/control-plane',
  effect: 'NoSchedule',
};

/** The group kubeadm's RBAC lets auto-approve node CSRs; tokens for joins carry it. */
export const DEFAULT_NODE_TOKEN_GROUP = 'system:bootstrappers:kubeadm:default-node-token';

const HASH_PATTERN = /^sha256:[0-9a-f]{64}$/;
const CERTIFICATE_KEY_PATTERN = /^[0-9a-f]{64}$/;
const NODE_NAME = /^(?=.{1,253}$)[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$/;

/**
 * v1beta4 arrived in kubeadm 1.31 (v1beta3 became read-only there and is refused from 1.37);
 * `kubeadm.k8s.io/v1` exists in 1.37 but only behind --allow-experimental-api.
 */
export function kubeadmApiVersion(kubernetesVersion: string): KubeadmApiVersion {
  const parsed = parseVersion(kubernetesVersion);
  if (!parsed || parsed.major !== 1 || parsed.minor < 22) {
    throw new Error(`unsupported Kubernetes version "${kubernetesVersion}" for kubeadm config`);
  }
  return parsed.minor >= 31 ? KUBEADM_V1BETA4 : KUBEADM_V1BETA3;
}

export interface NodeTaint {
  key: string;
  value?: string;
  effect: 'NoSchedule' | 'PreferNoSchedule' | 'NoExecute';
}

export interface NodeRegistrationInput {
  /** Must equal the machine's name at the provider when the cloud controller manager looks nodes up by name. */
  name: string;
  labels?: Readonly<Record<string, string>>;
  /** Written as given; omitted means kubeadm's default (control-plane taint, none for workers). */
  taints?: readonly NodeTaint[];
  criSocket?: string;
  kubeletExtraArgs?: Readonly<Record<string, string>>;
}

interface CommonInput {
  kubernetesVersion: string;
  node: NodeRegistrationInput;
  /**
   * `external` for clouds with a cloud controller manager (OpenStack). Only the kubelet takes
   * the flag: kube-apiserver no longer has it, and kube-controller-manager runs no cloud loops
   * since in-tree providers were removed (1.31), so the flag changes nothing there.
   */
  cloudProvider?: 'external';
}

export interface InitConfigInput extends CommonInput {
  clusterName: string;
  /** The API load balancer, `host:port`. */
  controlPlaneEndpoint: string;
  podCidr: string;
  serviceCidr: string;
  dnsDomain?: string;
  /** Extra API server certificate SANs; kubeadm adds the endpoint host, node name and IPs itself. */
  certSANs?: readonly string[];
  /** Created by kubeadm init so later nodes can join. */
  bootstrapToken: { token: string; ttlSeconds: number; description?: string };
  advertiseAddress?: string;
  bindPort?: number;
  /** Only for `kubeadm init --upload-certs`; pre-placed CA material needs none. */
  certificateKey?: string;
  imageRepository?: string;
  apiServerExtraArgs?: Readonly<Record<string, string>>;
  controllerManagerExtraArgs?: Readonly<Record<string, string>>;
  schedulerExtraArgs?: Readonly<Record<string, string>>;
  /** How long kubeadm waits for the static control-plane pods. */
  controlPlaneTimeoutSeconds?: number;
}

export interface JoinConfigInput extends CommonInput {
  controlPlaneEndpoint: string;
  token: string;
  /** `sha256:<hex>` of the cluster CA's public key; joins never skip CA pinning. */
  caCertHashes: readonly string[];
  /** Present for control-plane joins. */
  controlPlane?: {
    advertiseAddress?: string;
    bindPort?: number;
    /** Downloads the shared CA material from the kubeadm-certs Secret instead of expecting it on disk. */
    certificateKey?: string;
  };
  discoveryTimeoutSeconds?: number;
}

/** InitConfiguration + ClusterConfiguration for the first control-plane node. */
export function renderInitConfig(input: InitConfigInput): string {
  const apiVersion = kubeadmApiVersion(input.kubernetesVersion);
  const v4 = apiVersion === KUBEADM_V1BETA4;
  validateInit(input);
  const init = {
    apiVersion,
    kind: 'InitConfiguration',
    bootstrapTokens: [
      {
        token: input.bootstrapToken.token,
        description:
          input.bootstrapToken.description ?? 'kaas: joins nodes created during cluster bootstrap',
        ttl: duration(input.bootstrapToken.ttlSeconds),
        usages: ['signing', 'authentication'],
        groups: [DEFAULT_NODE_TOKEN_GROUP],
      },
    ],
    nodeRegistration: nodeRegistration(input, v4),
    ...localApiEndpoint(input.advertiseAddress, input.bindPort),
    ...(input.certificateKey ? { certificateKey: input.certificateKey } : {}),
    ...(v4 && input.controlPlaneTimeoutSeconds !== undefined
      ? {
          timeouts: {
            controlPlaneComponentHealthCheck: duration(input.controlPlaneTimeoutSeconds),
          },
        }
      : {}),
  };
  const apiServer = {
    ...component(input.apiServerExtraArgs, v4),
    ...(input.certSANs?.length ? { certSANs: [...new Set(input.certSANs)] } : {}),
    // v1beta3 kept this timeout here; v1beta4 moved it to InitConfiguration.timeouts.
    ...(!v4 && input.controlPlaneTimeoutSeconds !== undefined
      ? { timeoutForControlPlane: duration(input.controlPlaneTimeoutSeconds) }
      : {}),
  };
  const cluster = {
    apiVersion,
    kind: 'ClusterConfiguration',
    clusterName: input.clusterName,
    kubernetesVersion: `v${input.kubernetesVersion.replace(/^v/, '')}`,
    controlPlaneEndpoint: formatEndpoint(parseEndpoint(input.controlPlaneEndpoint)),
    ...(input.imageRepository ? { imageRepository: input.imageRepository } : {}),
    networking: {
      podSubnet: input.podCidr,
      serviceSubnet: input.serviceCidr,
      dnsDomain: input.dnsDomain ?? 'cluster.local',
    },
    ...(Object.keys(apiServer).length ? { apiServer } : {}),
    ...nonEmpty('controllerManager', component(input.controllerManagerExtraArgs, v4)),
    ...nonEmpty('scheduler', component(input.schedulerExtraArgs, v4)),
  };
  return toMultiDocumentYaml([init, cluster]);
}

/** JoinConfiguration for a worker, or for a control-plane node when `controlPlane` is given. */
export function renderJoinConfig(input: JoinConfigInput): string {
  const apiVersion = kubeadmApiVersion(input.kubernetesVersion);
  const v4 = apiVersion === KUBEADM_V1BETA4;
  validateJoin(input);
  const timeout =
    input.discoveryTimeoutSeconds === undefined
      ? undefined
      : duration(input.discoveryTimeoutSeconds);
  const controlPlane = input.controlPlane;
  const join = {
    apiVersion,
    kind: 'JoinConfiguration',
    nodeRegistration: nodeRegistration(input, v4),
    discovery: {
      bootstrapToken: {
        token: input.token,
        apiServerEndpoint: formatEndpoint(parseEndpoint(input.controlPlaneEndpoint)),
        caCertHashes: [...input.caCertHashes],
      },
      // v1beta3 kept the discovery timeout here; v1beta4 moved it to JoinConfiguration.timeouts.
      ...(!v4 && timeout ? { timeout } : {}),
    },
    ...(controlPlane
      ? {
          controlPlane: {
            ...localApiEndpoint(controlPlane.advertiseAddress, controlPlane.bindPort),
            ...(controlPlane.certificateKey ? { certificateKey: controlPlane.certificateKey } : {}),
          },
        }
      : {}),
    ...(v4 && timeout ? { timeouts: { discovery: timeout } } : {}),
  };
  return toMultiDocumentYaml([join]);
}

/** v1beta3 takes `{flag: value}`; v1beta4 a list of `{name, value}` (so a flag may repeat). */
export function extraArgs(
  args: Readonly<Record<string, string>>,
  v4: boolean,
): Record<string, string> | { name: string; value: string }[] {
  const sorted = Object.entries(args).sort(([a], [b]) => a.localeCompare(b));
  return v4 ? sorted.map(([name, value]) => ({ name, value })) : Object.fromEntries(sorted);
}

function nodeRegistration(input: CommonInput, v4: boolean): Record<string, unknown> {
  const { node } = input;
  const kubeletArgs: Record<string, string> = { ...node.kubeletExtraArgs };
  if (input.cloudProvider) kubeletArgs['cloud-provider'] = input.cloudProvider;
  const labels = Object.entries(node.labels ?? {});
  if (labels.length > 0) {
    kubeletArgs['node-labels'] = labels
      .sort(([a], [b]) => a.localeCompare(b))
      .map(([k, v]) => `${k}=${v}`)
      .join(',');
  }
  return {
    name: node.name,
    ...(node.criSocket ? { criSocket: node.criSocket } : {}),
    ...(node.taints
      ? {
          taints: node.taints.map((t) => ({
            key: t.key,
            ...(t.value ? { value: t.value } : {}),
            effect: t.effect,
          })),
        }
      : {}),
    ...(Object.keys(kubeletArgs).length ? { kubeletExtraArgs: extraArgs(kubeletArgs, v4) } : {}),
  };
}

function component(
  args: Readonly<Record<string, string>> | undefined,
  v4: boolean,
): Record<string, unknown> {
  return args && Object.keys(args).length ? { extraArgs: extraArgs(args, v4) } : {};
}

function nonEmpty(key: string, value: Record<string, unknown>): Record<string, unknown> {
  return Object.keys(value).length ? { [key]: value } : {};
}

function localApiEndpoint(
  advertiseAddress: string | undefined,
  bindPort: number | undefined,
): Record<string, unknown> {
  if (advertiseAddress === undefined && bindPort === undefined) return {};
  return {
    localAPIEndpoint: {
      ...(advertiseAddress !== undefined ? { advertiseAddress } : {}),
      ...(bindPort !== undefined ? { bindPort } : {}),
    },
  };
}

/** Go durations: seconds are always accepted. */
function duration(seconds: number): string {
  if (!Number.isInteger(seconds) || seconds <= 0)
    throw new Error(`a duration must be a positive whole number of seconds, got ${seconds}`);
  return `${seconds}s`;
}

function validateCommon(input: CommonInput, problems: string[]): void {
  const { node } = input;
  if (!NODE_NAME.test(node.name))
    problems.push(`node name "${node.name}" must be a lowercase DNS subdomain`);
  validateLabels(node.labels ?? {}, problems);
  for (const taint of node.taints ?? []) {
    if (!isLabelKey(taint.key) || (taint.value !== undefined && !isLabelValue(taint.value))) {
      problems.push(`taint ${taint.key} is not valid`);
    }
  }
  for (const name of Object.keys(node.kubeletExtraArgs ?? {})) {
    if (name === 'cloud-provider' || name === 'node-labels')
      problems.push(`kubelet flag ${name} is set from cloudProvider/labels`);
  }
}

function validateLabels(labels: Readonly<Record<string, string>>, problems: string[]): void {
  for (const [key, value] of Object.entries(labels)) {
    if (!isLabelKey(key) || !isLabelValue(value))
      problems.push(`node label ${key}=${value} is not a valid label`);
    else if (!kubeletMaySetLabel(key)) {
      problems.push(
        `node label ${key} is in a kubernetes.io/k8s.io namespace the kubelet may not set (it refuses to start)`,
      );
    }
  }
}

function validateInit(input: InitConfigInput): void {
  const problems: string[] = [];
  validateCommon(input, problems);
  checkEndpoint(input.controlPlaneEndpoint, problems);
  if (!BOOTSTRAP_TOKEN_PATTERN.test(input.bootstrapToken.token))
    problems.push('bootstrap token must match [a-z0-9]{6}.[a-z0-9]{16}');
  if (!isCidr(input.podCidr)) problems.push(`pod CIDR "${input.podCidr}" is not a CIDR`);
  if (!isCidr(input.serviceCidr))
    problems.push(`service CIDR "${input.serviceCidr}" is not a CIDR`);
  if (!NODE_NAME.test(input.clusterName))
    problems.push(`cluster name "${input.clusterName}" must be a DNS subdomain`);
  if (input.advertiseAddress !== undefined && isIP(input.advertiseAddress) === 0)
    problems.push('advertise address must be an IP');
  if (input.certificateKey !== undefined && !CERTIFICATE_KEY_PATTERN.test(input.certificateKey))
    problems.push('certificate key must be 64 hex digits');
  throwIfAny(problems);
}

function validateJoin(input: JoinConfigInput): void {
  const problems: string[] = [];
  validateCommon(input, problems);
  checkEndpoint(input.controlPlaneEndpoint, problems);
  if (!BOOTSTRAP_TOKEN_PATTERN.test(input.token))
    problems.push('bootstrap token must match [a-z0-9]{6}.[a-z0-9]{16}');
  if (input.caCertHashes.length === 0)
    problems.push('at least one CA certificate hash is needed: joins never skip CA pinning');
  for (const hash of input.caCertHashes)
    if (!HASH_PATTERN.test(hash)) problems.push(`CA hash "${hash}" must be sha256:<64 hex digits>`);
  const cp = input.controlPlane;
  if (cp?.advertiseAddress !== undefined && isIP(cp.advertiseAddress) === 0)
    problems.push('advertise address must be an IP');
  if (cp?.certificateKey !== undefined && !CERTIFICATE_KEY_PATTERN.test(cp.certificateKey))
    problems.push('certificate key must be 64 hex digits');
  throwIfAny(problems);
}

function checkEndpoint(endpoint: string, problems: string[]): void {
  try {
    parseEndpoint(endpoint);
  } catch (error) {
    problems.push(error instanceof Error ? error.message : String(error));
  }
}

function throwIfAny(problems: string[]): void {
  if (problems.length > 0) throw new Error(`invalid kubeadm configuration: ${problems.join('; ')}`);
}

function isCidr(value: string): boolean {
  const [ip, bits, ...rest] = value.split('/');
  const family = isIP(ip ?? '');
  const prefix = Number(bits);
  return (
    rest.length === 0 &&
    family !== 0 &&
    /^\d+$/.test(bits ?? '') &&
    prefix <= (family === 4 ? 32 : 128)
  );
}

/**
 * The kubelet only labels its own Node inside kubernetes.io/k8s.io with a fixed set of keys
 * or under kubelet.kubernetes.io / node.kubernetes.io (NodeRestriction); anything else there,
 * such as node-role.kubernetes.io/*, makes it exit at start.
 */
const KUBELET_LABELS = new Set([
  'kubernetes.io/hostname',
  'kubernetes.io/os',
  'kubernetes.io/arch',
  'beta.kubernetes.io/os',
  'beta.kubernetes.io/arch',
  'topology.kubernetes.io/zone',
  'topology.kubernetes.io/region',
  'failure-domain.beta.kubernetes.io/zone',
  'failure-domain.beta.kubernetes.io/region',
  'node.kubernetes.io/instance-type',
  'beta.kubernetes.io/instance-type',
]);

export function kubeletMaySetLabel(key: string): boolean {
  const slash = key.indexOf('/');
  if (slash === -1) return true;
  const namespace = key.slice(0, slash);
  const restricted = ['kubernetes.io', 'k8s.io'].some(
    (d) => namespace === d || namespace.endsWith(`.${d}`),
  );
  if (!restricted || KUBELET_LABELS.has(key)) return true;
  return ['kubelet.kubernetes.io', 'node.kubernetes.io'].some(
    (d) => namespace === d || namespace.endsWith(`.${d}`),
  );
}
