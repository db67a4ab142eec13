import 'reflect-metadata';
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import * as x509 from '@peculiar/x509';
import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { parse, parseAllDocuments } from 'yaml';
import {
  PKI_DIR,
  renderControlPlaneInitUserData,
  type WriteFile,
} from '../../src/bootstrap/cloud-init.js';
import {
  CONTROL_PLANE_TAINT,
  renderInitConfig,
  renderJoinConfig,
} from '../../src/bootstrap/kubeadm-config.js';
import { generateClusterPki, type ClusterPki } from '../../src/bootstrap/pki.js';
import {
  discoveryHash,
  generateBootstrapToken,
  generateCertificateKey,
} from '../../src/bootstrap/tokens.js';
import { toMultiDocumentYaml } from '../../src/bootstrap/yaml.js';
import { KubernetesTools } from '../../src/providers/kwok/kubernetes-tools.js';
import { initInput, joinInput } from '../unit/bootstrap/factories.js';
import { opensslVerify } from '../unit/bootstrap/openssl.js';

/**
 * The rendered kubeadm configs checked by the real kubeadm of each supported release: strict
 * decoding (unknown fields, wrong shapes) and kubeadm's own validation. Then kubeadm issues
 * its certificates from the CA material exactly as cloud-init would place it.
 */
const tools = new KubernetesTools();

interface Run {
  status: number | null;
  output: string;
}

function kubeadm(version: string, args: string[]): Run {
  const result = spawnSync(tools.kubernetes(version).kubeadm, args, {
    encoding: 'utf8',
    timeout: 60_000,
  });
  return { status: result.status, output: `${result.stdout}${result.stderr}` };
}

function validate(version: string, config: string, dir: string, extra: string[] = []): Run {
  const file = join(dir, `config-${Math.random().toString(36).slice(2)}.yaml`);
  writeFileSync(file, config);
  return kubeadm(version, ['config', 'validate', ...extra, '--config', file]);
}

function expectValid(run: Run): void {
  expect(run.output.trim()).toBe('ok');
  expect(run.status).toBe(0);
}

let workdir: string;
let pki: ClusterPki;

beforeAll(async () => {
  workdir = mkdtempSync(join(tmpdir(), 'kaas-kubeadm-'));
  pki = await generateClusterPki();
});

afterAll(() => {
  rmSync(workdir, { recursive: true, force: true });
});

describe.each(['1.37.2', '1.36.3'])('kubeadm %s', (version) => {
  const token = generateBootstrapToken().token;

  it('validates the first control-plane node init configuration (kubeadm.k8s.io/v1beta4)', () => {
    const config = renderInitConfig(
      initInput({
        kubernetesVersion: version,
        bootstrapToken: { token, ttlSeconds: 86_400 },
        advertiseAddress: '10.0.0.5',
        bindPort: 6443,
        controlPlaneTimeoutSeconds: 600,
        apiServerExtraArgs: { 'anonymous-auth': 'false', 'audit-log-maxage': '30' },
        controllerManagerExtraArgs: { 'node-cidr-mask-size': '24' },
        schedulerExtraArgs: { 'bind-address': '0.0.0.0' },
      }),
    );
    expect(config).toContain('apiVersion: kubeadm.k8s.io/v1beta4');
    expectValid(validate(version, config, workdir));
  });

  it('validates a control-plane join with the CA material pre-placed', () => {
    const config = renderJoinConfig(
      joinInput({
        kubernetesVersion: version,
        token,
        caCertHashes: [discoveryHash(pki.ca.certPem)],
        node: {
          name: 'prod-cp-2',
          labels: { 'kaas.dev/pool': 'control-plane' },
          taints: [CONTROL_PLANE_TAINT],
        },
        controlPlane: {},
        discoveryTimeoutSeconds: 300,
      }),
    );
    expectValid(validate(version, config, workdir));
  });

  it('validates a control-plane join that downloads certificates with a certificate key', () => {
    const config = renderJoinConfig(
      joinInput({
        kubernetesVersion: version,
        token,
        caCertHashes: [discoveryHash(pki.ca.certPem)],
        node: { name: 'prod-cp-3' },
        controlPlane: {
          advertiseAddress: '10.0.0.7',
          bindPort: 6443,
          certificateKey: generateCertificateKey(),
        },
      }),
    );
    expectValid(validate(version, config, workdir));
  });

  it('validates a worker join', () => {
    const config = renderJoinConfig(
      joinInput({
        kubernetesVersion: version,
        token,
        caCertHashes: [discoveryHash(pki.ca.certPem)],
        node: {
          name: 'prod-gpu-x7k2p',
          labels: { 'kaas.dev/pool': 'gpu', 'node.kubernetes.io/instance-type': 'g1.xlarge' },
          taints: [{ key: 'nvidia.com/gpu', value: 'present', effect: 'NoSchedule' }],
        },
      }),
    );
    expectValid(validate(version, config, workdir));
  });

  it('rejects a config whose extraArgs have the other version shape, so the checks above are strict', () => {
    const [init, cluster] = parseAllDocuments(
      renderInitConfig(initInput({ kubernetesVersion: version })),
    ).map((d) => d.toJS() as Record<string, unknown>);
    const wrongShape = { ...cluster, apiServer: { extraArgs: { 'anonymous-auth': 'false' } } };
    const run = validate(version, toMultiDocumentYaml([init, wrongShape]), workdir);
    expect(run.status).not.toBe(0);
    expect(run.output).toContain('extraArgs');
  });

  it('issues its certificates and admin.conf from the CA material cloud-init places', () => {
    const root = mkdtempSync(join(workdir, `node-${version}-`));
    const pkiDir = join(root, 'pki');
    const userData = parse(
      renderControlPlaneInitUserData(
        pki,
        renderInitConfig(initInput({ kubernetesVersion: version, advertiseAddress: '10.0.0.5' })),
      ),
    ) as { write_files: WriteFile[]; runcmd: string[][] };
    for (const file of userData.write_files) {
      const path = file.path.startsWith(PKI_DIR)
        ? join(pkiDir, file.path.slice(PKI_DIR.length))
        : join(root, file.path);
      mkdirSync(dirname(path), { recursive: true });
      writeFileSync(path, file.content, { mode: Number.parseInt(file.permissions, 8) });
    }
    // Only the certificates directory moves into the sandbox; the rest is what the node would read.
    const configPath = join(root, userData.runcmd[0]![3]!);
    writeFileSync(configPath, `${readFileSync(configPath, 'utf8')}certificatesDir: ${pkiDir}\n`);

    const certs = kubeadm(version, ['init', 'phase', 'certs', 'all', '--config', configPath]);
    expect(certs.status).toBe(0);
    expect(certs.output).toContain('Using existing ca certificate authority');
    expect(certs.output).toContain('Using existing front-proxy-ca certificate authority');
    expect(certs.output).toContain('Using existing etcd/ca certificate authority');
    expect(certs.output).toContain('Using the existing "sa" key');
    expect(readFileSync(join(pkiDir, 'ca.crt'), 'utf8')).toBe(pki.ca.certPem);
    expect(readFileSync(join(pkiDir, 'sa.key'), 'utf8')).toBe(pki.serviceAccount.privateKeyPem);

    const pem = (path: string) => readFileSync(join(pkiDir, path), 'utf8');
    expect(opensslVerify(pki.ca.certPem, pem('apiserver.crt')).ok).toBe(true);
    expect(opensslVerify(pki.ca.certPem, pem('apiserver-kubelet-client.crt')).ok).toBe(true);
    expect(opensslVerify(pki.etcdCa.certPem, pem('etcd/server.crt')).ok).toBe(true);
    expect(opensslVerify(pki.etcdCa.certPem, pem('apiserver-etcd-client.crt')).ok).toBe(true);
    expect(opensslVerify(pki.frontProxyCa.certPem, pem('front-proxy-client.crt')).ok).toBe(true);

    const kubeconfigDir = join(root, 'kubeconfig');
    const admin = kubeadm(version, [
      'init',
      'phase',
      'kubeconfig',
      'admin',
      '--config',
      configPath,
      '--kubeconfig-dir',
      kubeconfigDir,
    ]);
    expect(admin.status).toBe(0);
    const adminConf = parse(readFileSync(join(kubeconfigDir, 'admin.conf'), 'utf8')) as {
      users: { user: { 'client-certificate-data': string } }[];
    };
    const clientCert = new x509.X509Certificate(
      Buffer.from(adminConf.users[0]!.user['client-certificate-data'], 'base64').toString(),
    );
    // The group kaas's own admin kubeconfigs use is the one kubeadm gives admin.conf.
    expect(clientCert.subjectName.getField('O')).toEqual(['kubeadm:cluster-admins']);
    expect(clientCert.issuer).toBe('CN=kubernetes');
  });
});

describe('kubeadm.k8s.io/v1beta3 (rendered below 1.31)', () => {
  /** kubeadm refuses control planes older than its skew allows, so the rendered version is raised to 1.36. */
  function v1beta3Init(): string {
    const config = renderInitConfig(
      initInput({
        kubernetesVersion: '1.30.4',
        controlPlaneTimeoutSeconds: 600,
        apiServerExtraArgs: { 'anonymous-auth': 'false' },
      }),
    );
    expect(config).toContain('apiVersion: kubeadm.k8s.io/v1beta3');
    return config.replace('kubernetesVersion: v1.30.4', 'kubernetesVersion: v1.36.3');
  }

  function v1beta3Join(): string {
    return renderJoinConfig(
      joinInput({ kubernetesVersion: '1.30.4', controlPlane: {}, discoveryTimeoutSeconds: 300 }),
    );
  }

  it('is accepted by kubeadm 1.36, the last release that reads it', () => {
    expectValid(validate('1.36.3', v1beta3Init(), workdir, ['--allow-deprecated-api']));
    expectValid(validate('1.36.3', v1beta3Join(), workdir, ['--allow-deprecated-api']));
    expectValid(
      validate('1.36.3', renderJoinConfig(joinInput({ kubernetesVersion: '1.30.4' })), workdir, [
        '--allow-deprecated-api',
      ]),
    );
  });

  it('is refused by kubeadm 1.37', () => {
    const run = validate('1.37.2', v1beta3Init(), workdir);
    expect(run.status).not.toBe(0);
    expect(run.output).toContain('old API spec: "kubeadm.k8s.io/v1beta3"');
  });
});
