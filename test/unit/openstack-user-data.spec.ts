import { beforeAll, describe, expect, it } from '@jest/globals';
import { parse } from 'yaml';
import { parseAllDocuments } from 'yaml';
import { generateClusterPki, type ClusterPki } from '../../src/bootstrap/pki.js';
import { discoveryHash, parseBootstrapToken } from '../../src/bootstrap/tokens.js';
import { validateClusterSpec, validateSpecChange } from '../../src/domain/cluster-validation.js';
import { parseCloudTime } from '../../src/providers/openstack/infrastructure.js';
import { rulesFor } from '../../src/providers/openstack/security-groups.js';
import { renderMachineUserData } from '../../src/providers/openstack/user-data.js';
import { clusterSpec } from '../support/factories.js';

const openstack = { cloud: 'prod', image: 'ubuntu-22.04-kube-v1.30.4' };
const spec = clusterSpec({ provider: 'openstack', openstack });
const cluster = { id: 'c-1', name: 'prod', projectId: 'p-1', spec };
const token = parseBootstrapToken('abcdef.0123456789abcdef');
const pool = spec.nodePools[0]!;

interface CloudConfig {
  write_files: { path: string; content: string; permissions: string }[];
  runcmd: string[][];
}

function documentsOf(userData: string, path: string): Record<string, unknown>[] {
  const config = parse(userData) as CloudConfig;
  const file = config.write_files.find((f) => f.path === path)!;
  return parseAllDocuments(file.content).map((d) => d.toJS() as Record<string, unknown>);
}

describe('OpenStack machine user data', () => {
  let pki: ClusterPki;
  beforeAll(async () => {
    pki = await generateClusterPki();
  });

  it('runs kubeadm init on the first control-plane machine, with the CA material and the external cloud provider', () => {
    const userData = renderMachineUserData(
      cluster,
      { name: 'prod-cp-aaaaa', role: 'control-plane', version: '1.37.2', flavor: 'm1.small' },
      {
        pki,
        token,
        endpoint: '203.0.113.20:6443',
        certSANs: ['10.0.0.5', '203.0.113.20'],
        init: true,
      },
    );
    expect(userData.startsWith('#cloud-config\n')).toBe(true);
    const config = parse(userData) as CloudConfig;
    expect(config.runcmd.at(-1)).toEqual([
      'kubeadm',
      'init',
      '--config',
      '/run/kubeadm/kubeadm.yaml',
    ]);
    expect(config.write_files.find((f) => f.path === '/etc/kubernetes/pki/ca.key')).toMatchObject({
      content: pki.ca.keyPem,
      permissions: '0600',
    });
    const [init, clusterConfig] = documentsOf(userData, '/run/kubeadm/kubeadm.yaml');
    expect(init).toMatchObject({
      kind: 'InitConfiguration',
      bootstrapTokens: [expect.objectContaining({ token: token.token, ttl: '86400s' })],
      nodeRegistration: expect.objectContaining({ name: 'prod-cp-aaaaa' }),
    });
    expect(JSON.stringify(init)).toContain('"cloud-provider"');
    expect(clusterConfig).toMatchObject({
      kind: 'ClusterConfiguration',
      controlPlaneEndpoint: '203.0.113.20:6443',
      networking: expect.objectContaining({ podSubnet: '10.244.0.0/16' }),
      apiServer: expect.objectContaining({ certSANs: ['10.0.0.5', '203.0.113.20'] }),
    });
  });

  it('joins further control-plane machines, and workers without any CA key but with the pool’s labels', () => {
    const joining = renderMachineUserData(
      cluster,
      { name: 'prod-cp-bbbbb', role: 'control-plane', version: '1.37.2', flavor: 'm1.small' },
      { pki, token, endpoint: '10.0.0.5:6443', init: false },
    );
    const [cpJoin] = documentsOf(joining, '/run/kubeadm/kubeadm-join.yaml');
    expect(cpJoin).toMatchObject({ kind: 'JoinConfiguration', controlPlane: {} });

    const worker = renderMachineUserData(
      cluster,
      {
        name: 'prod-workers-ccccc',
        role: 'worker',
        pool: { ...pool, labels: { team: 'ml' } },
        version: '1.37.2',
        flavor: 'm1.large',
      },
      { pki, token, endpoint: '10.0.0.5:6443', init: true },
    );
    expect(worker).not.toContain('PRIVATE KEY');
    const [join] = documentsOf(worker, '/run/kubeadm/kubeadm-join.yaml');
    expect(join).toMatchObject({
      kind: 'JoinConfiguration',
      discovery: {
        bootstrapToken: expect.objectContaining({
          token: token.token,
          apiServerEndpoint: '10.0.0.5:6443',
          caCertHashes: [discoveryHash(pki.ca.certPem)],
        }),
      },
    });
    expect(join!.controlPlane).toBeUndefined();
    expect(JSON.stringify(join)).toContain('team=ml');
  });
});

describe('spec.openstack validation', () => {
  const limits = {
    enabledProviders: ['fake', 'openstack'],
    supportedVersions: ['1.37.2'],
    maxPoolReplicas: 10,
  };

  it('is required with the openstack provider and refused with any other', () => {
    const { openstack: _, ...withoutOpenstack } = spec;
    expect(validateClusterSpec(withoutOpenstack, limits).problems).toEqual([
      expect.objectContaining({ field: 'spec.openstack' }),
    ]);
    expect(
      validateClusterSpec(clusterSpec({ provider: 'fake', openstack }), limits).problems,
    ).toEqual([expect.objectContaining({ field: 'spec.openstack' })]);
  });

  it('refuses a node subnet overlapping the pod or service CIDR', () => {
    const overlapping = clusterSpec({
      provider: 'openstack',
      openstack: { ...openstack, nodeCidr: '10.96.1.0/24' },
    });
    expect(validateClusterSpec(overlapping, limits).problems).toEqual([
      { field: 'spec.openstack.nodeCidr', message: 'overlaps spec.network.serviceCidr' },
    ]);
  });

  it('keeps cloud and networks fixed after creation, the image free to change', () => {
    const moved = clusterSpec({
      provider: 'openstack',
      openstack: { ...openstack, cloud: 'other' },
    });
    expect(validateSpecChange(spec, moved)).toEqual([
      { field: 'spec.openstack.cloud', message: 'is immutable after creation' },
    ]);
    const newImage = clusterSpec({
      provider: 'openstack',
      openstack: { ...openstack, image: 'v2' },
    });
    expect(validateSpecChange(spec, newImage)).toEqual([]);
  });
});

describe('OpenStack security group rules', () => {
  it('open only the API, etcd, kubelet, NodePorts and the pod network', () => {
    const ports = (role: 'control-plane' | 'worker') =>
      rulesFor(role).map((r) => `${r.protocol}/${r.ports.join('-')}`);
    expect(new Set(ports('control-plane'))).toEqual(
      new Set([
        'tcp/6443-6443',
        'tcp/2379-2380',
        'tcp/10250-10250',
        'udp/4789-4789',
        'udp/8472-8472',
        'tcp/179-179',
      ]),
    );
    expect(new Set(ports('worker'))).toEqual(
      new Set([
        'tcp/10250-10250',
        'tcp/30000-32767',
        'udp/30000-32767',
        'udp/4789-4789',
        'udp/8472-8472',
        'tcp/179-179',
      ]),
    );
    const open = rulesFor('control-plane').filter((r) => 'anywhere' in r.from);
    expect(open.map((r) => r.ports)).toEqual([[6443, 6443]]);
  });
});

describe('OpenStack timestamps', () => {
  it('reads Octavia’s zone-less times as UTC and keeps explicit zones', () => {
    expect(parseCloudTime('2026-11-29T05:00:00')).toBe(Date.parse('2026-11-29T05:00:00Z'));
    expect(parseCloudTime('2026-11-29T05:00:00Z')).toBe(Date.parse('2026-11-29T05:00:00Z'));
    expect(parseCloudTime('2026-11-29T06:00:00+01:00')).toBe(Date.parse('2026-11-29T05:00:00Z'));
    expect(parseCloudTime(null)).toBeNaN();
  });
});
