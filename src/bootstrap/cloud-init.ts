import { parseAllDocuments } from 'yaml';
import { KUBEADM_INIT_CONFIG_PATH, KUBEADM_JOIN_CONFIG_PATH } from './kubeadm-config.js';
import type { ClusterPki } from './pki.js';
import { toYaml } from './yaml.js';

export const PKI_DIR = '/etc/kubernetes/pki';

export interface WriteFile {
  path: string;
  content: string;
  owner: string;
  permissions: string;
}

export interface UserDataOptions {
  /** Run before kubeadm, e.g. to prepare the image; each command is an argv list, no shell. */
  preKubeadmCommands?: readonly (readonly string[])[];
}

/**
 * The first control-plane node: the shared CA material is placed where kubeadm looks for it,
 * so kubeadm init uses it instead of generating its own; no --upload-certs is needed because
 * joining control-plane nodes receive the same files.
 */
export function renderControlPlaneInitUserData(
  pki: ClusterPki,
  kubeadmConfig: string,
  options: UserDataOptions = {},
): string {
  expectConfig(kubeadmConfig, 'InitConfiguration', 'the first control-plane node');
  return renderUserData(
    [...pkiFiles(pki), configFile(KUBEADM_INIT_CONFIG_PATH, kubeadmConfig)],
    [
      ...(options.preKubeadmCommands ?? []),
      ['kubeadm', 'init', '--config', KUBEADM_INIT_CONFIG_PATH],
    ],
  );
}

/** Further control-plane nodes: the same CA material, then a control-plane join. */
export function renderControlPlaneJoinUserData(
  pki: ClusterPki,
  kubeadmConfig: string,
  options: UserDataOptions = {},
): string {
  expectConfig(kubeadmConfig, 'JoinConfiguration', 'a control-plane join', true);
  return renderUserData(
    [...pkiFiles(pki), configFile(KUBEADM_JOIN_CONFIG_PATH, kubeadmConfig)],
    [
      ...(options.preKubeadmCommands ?? []),
      ['kubeadm', 'join', '--config', KUBEADM_JOIN_CONFIG_PATH],
    ],
  );
}

/** Workers get only the join config (token and CA pin): no key ever reaches them. */
export function renderWorkerJoinUserData(
  kubeadmConfig: string,
  options: UserDataOptions = {},
): string {
  expectConfig(kubeadmConfig, 'JoinConfiguration', 'a worker join', false);
  return renderUserData(
    [configFile(KUBEADM_JOIN_CONFIG_PATH, kubeadmConfig)],
    [
      ...(options.preKubeadmCommands ?? []),
      ['kubeadm', 'join', '--config', KUBEADM_JOIN_CONFIG_PATH],
    ],
  );
}

/** The file names kubeadm reads shared CA material from; keys are readable by root only. */
export function pkiFiles(pki: ClusterPki): WriteFile[] {
  return [
    publicFile(`${PKI_DIR}/ca.crt`, pki.ca.certPem),
    secretFile(`${PKI_DIR}/ca.key`, pki.ca.keyPem),
    publicFile(`${PKI_DIR}/etcd/ca.crt`, pki.etcdCa.certPem),
    secretFile(`${PKI_DIR}/etcd/ca.key`, pki.etcdCa.keyPem),
    publicFile(`${PKI_DIR}/front-proxy-ca.crt`, pki.frontProxyCa.certPem),
    secretFile(`${PKI_DIR}/front-proxy-ca.key`, pki.frontProxyCa.keyPem),
    publicFile(`${PKI_DIR}/sa.pub`, pki.serviceAccount.publicKeyPem),
    secretFile(`${PKI_DIR}/sa.key`, pki.serviceAccount.privateKeyPem),
  ];
}

function renderUserData(files: WriteFile[], commands: (readonly string[])[]): string {
  // cloud-init only treats user data as cloud-config when this is the very first line.
  return `#cloud-config\n${toYaml({ write_files: files, runcmd: commands })}`;
}

/** The config carries a bootstrap token: root only. */
function configFile(path: string, content: string): WriteFile {
  return secretFile(path, content);
}

function secretFile(path: string, content: string): WriteFile {
  return { path, content, owner: 'root:root', permissions: '0600' };
}

function publicFile(path: string, content: string): WriteFile {
  return { path, content, owner: 'root:root', permissions: '0644' };
}

/** Catches a worker handed a control-plane config (or the reverse) before a machine boots with it. */
function expectConfig(config: string, kind: string, purpose: string, controlPlane?: boolean): void {
  const documents = parseAllDocuments(config);
  if (documents.some((d) => d.errors.length > 0))
    throw new Error(`the kubeadm config for ${purpose} is not valid YAML`);
  const objects = documents.map((d) => d.toJS() as unknown);
  const match = objects.find((o): o is Record<string, unknown> => isRecord(o) && o.kind === kind);
  if (!match) throw new Error(`the kubeadm config for ${purpose} has no ${kind}`);
  if (controlPlane !== undefined && (match.controlPlane !== undefined) !== controlPlane) {
    throw new Error(
      `the kubeadm config for ${purpose} ${controlPlane ? 'lacks' : 'has'} a controlPlane section`,
    );
  }
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
