import { beforeAll, describe, expect, it } from '@jest/globals';
import { parse, parseAllDocuments } from 'yaml';
import {
  renderControlPlaneInitUserData,
  renderControlPlaneJoinUserData,
  renderWorkerJoinUserData,
} from '../../../src/bootstrap/cloud-init.js';
import { renderInitConfig, renderJoinConfig } from '../../../src/bootstrap/kubeadm-config.js';
import { generateClusterPki, type ClusterPki } from '../../../src/bootstrap/pki.js';
import { initInput, joinInput } from './factories.js';

interface CloudConfig {
  write_files: { path: string; content: string; owner: string; permissions: string }[];
  runcmd: string[][];
}

function cloudConfig(userData: string): CloudConfig {
  expect(userData.split('\n', 1)[0]).toBe('#cloud-config');
  const docs = parseAllDocuments(userData);
  expect(docs).toHaveLength(1);
  expect(docs[0]!.errors).toEqual([]);
  return parse(userData) as CloudConfig;
}

function file(config: CloudConfig, path: string) {
  const found = config.write_files.find((f) => f.path === path);
  if (!found) throw new Error(`${path} is not written`);
  return found;
}

const PKI_PATHS = [
  ['/etc/kubernetes/pki/ca.crt', '0644'],
  ['/etc/kubernetes/pki/ca.key', '0600'],
  ['/etc/kubernetes/pki/etcd/ca.crt', '0644'],
  ['/etc/kubernetes/pki/etcd/ca.key', '0600'],
  ['/etc/kubernetes/pki/front-proxy-ca.crt', '0644'],
  ['/etc/kubernetes/pki/front-proxy-ca.key', '0600'],
  ['/etc/kubernetes/pki/sa.pub', '0644'],
  ['/etc/kubernetes/pki/sa.key', '0600'],
] as const;

describe('cloud-init user data', () => {
  let pki: ClusterPki;

  beforeAll(async () => {
    pki = await generateClusterPki();
  });

  it('places the CA material and init config on the first control-plane node, then runs kubeadm init', () => {
    const kubeadm = renderInitConfig(initInput());
    const config = cloudConfig(renderControlPlaneInitUserData(pki, kubeadm));

    expect(config.write_files.map((f) => [f.path, f.permissions])).toEqual([
      ...PKI_PATHS,
      ['/run/kubeadm/kubeadm.yaml', '0600'],
    ]);
    for (const f of config.write_files) expect(f.owner).toBe('root:root');
    expect(file(config, '/etc/kubernetes/pki/ca.crt').content).toBe(pki.ca.certPem);
    expect(file(config, '/etc/kubernetes/pki/ca.key').content).toBe(pki.ca.keyPem);
    expect(file(config, '/etc/kubernetes/pki/etcd/ca.key').content).toBe(pki.etcdCa.keyPem);
    expect(file(config, '/etc/kubernetes/pki/front-proxy-ca.crt').content).toBe(
      pki.frontProxyCa.certPem,
    );
    expect(file(config, '/etc/kubernetes/pki/sa.key').content).toBe(
      pki.serviceAccount.privateKeyPem,
    );
    expect(file(config, '/etc/kubernetes/pki/sa.pub').content).toBe(
      pki.serviceAccount.publicKeyPem,
    );
    expect(file(config, '/run/kubeadm/kubeadm.yaml').content).toBe(kubeadm);

    expect(config.runcmd).toEqual([['kubeadm', 'init', '--config', '/run/kubeadm/kubeadm.yaml']]);
    expect(config.runcmd.flat()).not.toContain('--upload-certs');
  });

  it('gives joining control-plane nodes the same CA material and a control-plane join', () => {
    const kubeadm = renderJoinConfig(joinInput({ node: { name: 'prod-cp-2' }, controlPlane: {} }));
    const config = cloudConfig(
      renderControlPlaneJoinUserData(pki, kubeadm, {
        preKubeadmCommands: [['systemctl', 'enable', '--now', 'containerd']],
      }),
    );
    expect(config.write_files.map((f) => [f.path, f.permissions])).toEqual([
      ...PKI_PATHS,
      ['/run/kubeadm/kubeadm-join.yaml', '0600'],
    ]);
    expect(file(config, '/etc/kubernetes/pki/ca.key').content).toBe(pki.ca.keyPem);
    expect(config.runcmd).toEqual([
      ['systemctl', 'enable', '--now', 'containerd'],
      ['kubeadm', 'join', '--config', '/run/kubeadm/kubeadm-join.yaml'],
    ]);
  });

  it('gives workers only the join config: no certificates or keys', () => {
    const kubeadm = renderJoinConfig(joinInput());
    const userData = renderWorkerJoinUserData(kubeadm);
    const config = cloudConfig(userData);
    expect(config.write_files).toEqual([
      {
        path: '/run/kubeadm/kubeadm-join.yaml',
        content: kubeadm,
        owner: 'root:root',
        permissions: '0600',
      },
    ]);
    expect(userData).not.toContain('PRIVATE KEY');
    expect(userData).not.toContain('BEGIN CERTIFICATE');
    expect(config.runcmd).toEqual([
      ['kubeadm', 'join', '--config', '/run/kubeadm/kubeadm-join.yaml'],
    ]);
  });

  it('keeps the embedded kubeadm config intact and parseable', () => {
    const kubeadm = renderInitConfig(initInput());
    const embedded = file(
      cloudConfig(renderControlPlaneInitUserData(pki, kubeadm)),
      '/run/kubeadm/kubeadm.yaml',
    ).content;
    const kinds = parseAllDocuments(embedded).map((d) => (d.toJS() as { kind: string }).kind);
    expect(kinds).toEqual(['InitConfiguration', 'ClusterConfiguration']);
  });

  it('stays well under the 64 KiB user-data limit of OpenStack Nova, base64 included', () => {
    const userData = renderControlPlaneInitUserData(pki, renderInitConfig(initInput()));
    expect(Buffer.from(userData).toString('base64').length).toBeLessThan(16 * 1024);
  });

  it('refuses a config that does not fit the node role', () => {
    const worker = renderJoinConfig(joinInput());
    const controlPlane = renderJoinConfig(joinInput({ controlPlane: {} }));
    expect(() => renderControlPlaneInitUserData(pki, worker)).toThrow('no InitConfiguration');
    expect(() => renderControlPlaneJoinUserData(pki, worker)).toThrow('lacks a controlPlane');
    expect(() => renderWorkerJoinUserData(controlPlane)).toThrow('has a controlPlane');
    expect(() => renderWorkerJoinUserData('kind: [')).toThrow('not valid YAML');
  });
});
