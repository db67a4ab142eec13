import { describe, expect, it } from '@jest/globals';
import { parseAllDocuments } from 'yaml';
import {
  CONTROL_PLANE_TAINT,
  kubeadmApiVersion,
  kubeletMaySetLabel,
  renderInitConfig,
  renderJoinConfig,
} from '../../../src/bootstrap/kubeadm-config.js';
import { HASH, TOKEN, initInput, joinInput } from './factories.js';

/** Parsed YAML is walked field by field, hence `any`. */
function documents(yaml: string): any[] {
  const docs = parseAllDocuments(yaml);
  for (const doc of docs) expect(doc.errors).toEqual([]);
  return docs.map((d) => d.toJS());
}

describe('kubeadmApiVersion', () => {
  it('is v1beta3 below 1.31 and v1beta4 from 1.31', () => {
    expect(kubeadmApiVersion('1.30.9')).toBe('kubeadm.k8s.io/v1beta3');
    expect(kubeadmApiVersion('1.31.0')).toBe('kubeadm.k8s.io/v1beta4');
    expect(kubeadmApiVersion('v1.37.2')).toBe('kubeadm.k8s.io/v1beta4');
    expect(() => kubeadmApiVersion('1.21.0')).toThrow('unsupported');
    expect(() => kubeadmApiVersion('latest')).toThrow('unsupported');
  });
});

describe('renderInitConfig', () => {
  it('renders v1beta4 InitConfiguration and ClusterConfiguration for 1.37', () => {
    const [init, cluster, ...rest] = documents(
      renderInitConfig(initInput({ controlPlaneTimeoutSeconds: 600 })),
    );
    expect(rest).toEqual([]);

    expect(init.apiVersion).toBe('kubeadm.k8s.io/v1beta4');
    expect(init.kind).toBe('InitConfiguration');
    expect(init.bootstrapTokens).toEqual([
      {
        token: TOKEN,
        description: expect.any(String),
        ttl: '7200s',
        usages: ['signing', 'authentication'],
        groups: ['system:bootstrappers:kubeadm:default-node-token'],
      },
    ]);
    expect(init.nodeRegistration).toEqual({
      name: 'prod-cp-abc12',
      taints: [{ key: 'node-role.kubernetes.io/control-plane', effect: 'NoSchedule' }],
      kubeletExtraArgs: [
        { name: 'cloud-provider', value: 'external' },
        {
          name: 'node-labels',
          value: 'kaas.dev/pool=control-plane,node.kubernetes.io/instance-type=m1.large',
        },
      ],
    });
    expect(init.timeouts).toEqual({ controlPlaneComponentHealthCheck: '600s' });
    expect(init.localAPIEndpoint).toBeUndefined();
    expect(init.certificateKey).toBeUndefined();

    expect(cluster.apiVersion).toBe('kubeadm.k8s.io/v1beta4');
    expect(cluster.kind).toBe('ClusterConfiguration');
    expect(cluster.clusterName).toBe('prod');
    expect(cluster.kubernetesVersion).toBe('v1.37.2');
    expect(cluster.controlPlaneEndpoint).toBe('api.prod.example.com:6443');
    expect(cluster.networking).toEqual({
      podSubnet: '10.244.0.0/16',
      serviceSubnet: '10.96.0.0/12',
      dnsDomain: 'cluster.local',
    });
    expect(cluster.apiServer).toEqual({ certSANs: ['api.prod.example.com', '203.0.113.10'] });
    // No cloud-provider flag for kube-apiserver (removed) or kube-controller-manager (no in-tree clouds left).
    expect(cluster.controllerManager).toBeUndefined();
    expect(cluster.scheduler).toBeUndefined();
  });

  it('renders component extraArgs as a name/value list in v1beta4 and a map in v1beta3', () => {
    const args = {
      apiServerExtraArgs: { 'audit-log-maxage': '30', 'anonymous-auth': 'false' },
      controllerManagerExtraArgs: { 'node-cidr-mask-size': '24' },
      schedulerExtraArgs: { 'bind-address': '0.0.0.0' },
    };
    const [, v4] = documents(renderInitConfig(initInput(args)));
    expect(v4.apiServer.extraArgs).toEqual([
      { name: 'anonymous-auth', value: 'false' },
      { name: 'audit-log-maxage', value: '30' },
    ]);
    expect(v4.controllerManager).toEqual({
      extraArgs: [{ name: 'node-cidr-mask-size', value: '24' }],
    });
    expect(v4.scheduler).toEqual({ extraArgs: [{ name: 'bind-address', value: '0.0.0.0' }] });

    const [init3, v3] = documents(
      renderInitConfig(initInput({ ...args, kubernetesVersion: '1.30.4' })),
    );
    expect(v3.apiVersion).toBe('kubeadm.k8s.io/v1beta3');
    expect(v3.kubernetesVersion).toBe('v1.30.4');
    expect(v3.apiServer.extraArgs).toEqual({ 'anonymous-auth': 'false', 'audit-log-maxage': '30' });
    expect(v3.controllerManager).toEqual({ extraArgs: { 'node-cidr-mask-size': '24' } });
    expect(init3.nodeRegistration.kubeletExtraArgs).toEqual({
      'cloud-provider': 'external',
      'node-labels': 'kaas.dev/pool=control-plane,node.kubernetes.io/instance-type=m1.large',
    });
  });

  it('puts the control-plane timeout where each version expects it', () => {
    const [init3, cluster3] = documents(
      renderInitConfig(initInput({ kubernetesVersion: '1.30.4', controlPlaneTimeoutSeconds: 300 })),
    );
    expect(init3.timeouts).toBeUndefined();
    expect(cluster3.apiServer.timeoutForControlPlane).toBe('300s');
    const [init4, cluster4] = documents(
      renderInitConfig(initInput({ controlPlaneTimeoutSeconds: 300 })),
    );
    expect(init4.timeouts.controlPlaneComponentHealthCheck).toBe('300s');
    expect(cluster4.apiServer.timeoutForControlPlane).toBeUndefined();
  });

  it('writes the advertise address, certificate key and image repository only when given', () => {
    const [init, cluster] = documents(
      renderInitConfig(
        initInput({
          advertiseAddress: '10.0.0.5',
          bindPort: 6443,
          certificateKey: 'f'.repeat(64),
          imageRepository: 'registry.example.com/k8s',
        }),
      ),
    );
    expect(init.localAPIEndpoint).toEqual({ advertiseAddress: '10.0.0.5', bindPort: 6443 });
    expect(init.certificateKey).toBe('f'.repeat(64));
    expect(cluster.imageRepository).toBe('registry.example.com/k8s');
  });

  it('leaves out taints and kubelet args when none apply, so kubeadm defaults them', () => {
    const [init] = documents(
      renderInitConfig(initInput({ node: { name: 'cp-1' }, cloudProvider: undefined })),
    );
    expect(init.nodeRegistration).toEqual({ name: 'cp-1' });
  });

  it('keeps an explicitly empty taint list (a schedulable single-node cluster)', () => {
    const [init] = documents(renderInitConfig(initInput({ node: { name: 'cp-1', taints: [] } })));
    expect(init.nodeRegistration.taints).toEqual([]);
  });

  it('refuses inputs kubeadm or the kubelet would refuse', () => {
    expect(() =>
      renderInitConfig(initInput({ bootstrapToken: { token: 'nope', ttlSeconds: 60 } })),
    ).toThrow('bootstrap token');
    expect(() => renderInitConfig(initInput({ podCidr: '10.244.0.0' }))).toThrow('pod CIDR');
    expect(() => renderInitConfig(initInput({ controlPlaneEndpoint: 'https://api:6443' }))).toThrow(
      'host:port',
    );
    expect(() => renderInitConfig(initInput({ node: { name: 'CP_1' } }))).toThrow('node name');
    expect(() =>
      renderInitConfig(
        initInput({
          node: { name: 'cp-1', labels: { 'node-role.kubernetes.io/control-plane': '' } },
        }),
      ),
    ).toThrow('kubelet may not set');
    expect(() =>
      renderInitConfig(
        initInput({ node: { name: 'cp-1', kubeletExtraArgs: { 'cloud-provider': 'aws' } } }),
      ),
    ).toThrow('cloud-provider');
    expect(() => renderInitConfig(initInput({ certificateKey: 'xyz' }))).toThrow('certificate key');
    expect(() =>
      renderInitConfig(initInput({ bootstrapToken: { token: TOKEN, ttlSeconds: 0 } })),
    ).toThrow('duration');
  });
});

describe('renderJoinConfig', () => {
  it('renders a v1beta4 worker join: token discovery pinned to the CA hash, no controlPlane', () => {
    const [join, ...rest] = documents(
      renderJoinConfig(joinInput({ discoveryTimeoutSeconds: 120 })),
    );
    expect(rest).toEqual([]);
    expect(join.apiVersion).toBe('kubeadm.k8s.io/v1beta4');
    expect(join.kind).toBe('JoinConfiguration');
    expect(join.discovery).toEqual({
      bootstrapToken: {
        token: TOKEN,
        apiServerEndpoint: 'api.prod.example.com:6443',
        caCertHashes: [HASH],
      },
    });
    expect(join.timeouts).toEqual({ discovery: '120s' });
    expect(join.controlPlane).toBeUndefined();
    expect(join.nodeRegistration).toEqual({
      name: 'prod-workers-x7k2p',
      taints: [],
      kubeletExtraArgs: [
        { name: 'cloud-provider', value: 'external' },
        { name: 'node-labels', value: 'kaas.dev/pool=workers' },
      ],
    });
  });

  it('renders a control-plane join with pre-placed CA material (no certificate key)', () => {
    const [join] = documents(
      renderJoinConfig(
        joinInput({ node: { name: 'prod-cp-2', taints: [CONTROL_PLANE_TAINT] }, controlPlane: {} }),
      ),
    );
    expect(join.controlPlane).toEqual({});
    expect(join.nodeRegistration.taints).toEqual([
      { key: 'node-role.kubernetes.io/control-plane', effect: 'NoSchedule' },
    ]);
  });

  it('renders a control-plane join that downloads certificates with a certificate key', () => {
    const [join] = documents(
      renderJoinConfig(
        joinInput({
          node: { name: 'prod-cp-3' },
          controlPlane: {
            advertiseAddress: '10.0.0.7',
            bindPort: 6443,
            certificateKey: 'a'.repeat(64),
          },
        }),
      ),
    );
    expect(join.controlPlane).toEqual({
      localAPIEndpoint: { advertiseAddress: '10.0.0.7', bindPort: 6443 },
      certificateKey: 'a'.repeat(64),
    });
  });

  it('renders v1beta3 below 1.31 with map kubelet args and the discovery timeout inside discovery', () => {
    const [join] = documents(
      renderJoinConfig(joinInput({ kubernetesVersion: '1.29.10', discoveryTimeoutSeconds: 90 })),
    );
    expect(join.apiVersion).toBe('kubeadm.k8s.io/v1beta3');
    expect(join.discovery.timeout).toBe('90s');
    expect(join.timeouts).toBeUndefined();
    expect(join.nodeRegistration.kubeletExtraArgs).toEqual({
      'cloud-provider': 'external',
      'node-labels': 'kaas.dev/pool=workers',
    });
  });

  it('writes taints with values and brackets an IPv6 endpoint', () => {
    const [join] = documents(
      renderJoinConfig(
        joinInput({
          controlPlaneEndpoint: '[fd00::1]:6443',
          node: {
            name: 'gpu-1',
            taints: [{ key: 'nvidia.com/gpu', value: 'present', effect: 'NoSchedule' }],
          },
        }),
      ),
    );
    expect(join.discovery.bootstrapToken.apiServerEndpoint).toBe('[fd00::1]:6443');
    expect(join.nodeRegistration.taints).toEqual([
      { key: 'nvidia.com/gpu', value: 'present', effect: 'NoSchedule' },
    ]);
  });

  it('never skips CA pinning and checks hash and token formats', () => {
    expect(() => renderJoinConfig(joinInput({ caCertHashes: [] }))).toThrow('CA certificate hash');
    expect(() => renderJoinConfig(joinInput({ caCertHashes: ['sha1:abc'] }))).toThrow('sha256');
    expect(() => renderJoinConfig(joinInput({ token: 'abcdef.short' }))).toThrow('bootstrap token');
    expect(() =>
      renderJoinConfig(joinInput({ controlPlane: { advertiseAddress: 'cp-1' } })),
    ).toThrow('advertise address');
  });
});

describe('kubeletMaySetLabel', () => {
  it('follows the kubelet NodeRestriction rules', () => {
    expect(kubeletMaySetLabel('kaas.dev/pool')).toBe(true);
    expect(kubeletMaySetLabel('plain')).toBe(true);
    expect(kubeletMaySetLabel('topology.kubernetes.io/zone')).toBe(true);
    expect(kubeletMaySetLabel('node.kubernetes.io/exclude-from-external-load-balancers')).toBe(
      true,
    );
    expect(kubeletMaySetLabel('custom.kubelet.kubernetes.io/x')).toBe(true);
    expect(kubeletMaySetLabel('node-role.kubernetes.io/worker')).toBe(false);
    expect(kubeletMaySetLabel('example.k8s.io/x')).toBe(false);
  });
});
