import { describe, expect, it } from '@jest/globals';
import { parse } from 'yaml';
import { renderWorkerJoinUserData } from '../../../src/bootstrap/cloud-init.js';
import {
  ignorePreflightErrors,
  replayCloudConfig,
} from '../../../src/providers/kind/join-replay.js';
import { workerJoinSteps } from '../../../src/providers/kind/worker-join.js';
import { workerRunArgs } from '../../../src/providers/kind/node-container.js';
import { generateCertificateAuthority } from '../../../src/bootstrap/pki.js';

const JOIN = [
  'apiVersion: kubeadm.k8s.io/v1beta4',
  'kind: JoinConfiguration',
  'nodeRegistration:',
  '  name: n1',
  'discovery:',
  '  bootstrapToken:',
  '    token: abcdef.0123456789abcdef',
  '    apiServerEndpoint: c-control-plane:6443',
  `    caCertHashes: ["sha256:${'ab'.repeat(32)}"]`,
  '',
].join('\n');

describe('replaying our cloud-config through docker exec', () => {
  it('writes each file from stdin with its mode and owner, then runs kubeadm, all as argument lists', () => {
    const steps = replayCloudConfig(renderWorkerJoinUserData(JOIN));
    expect(steps).toEqual([
      { argv: ['mkdir', '-p', '/run/kubeadm'] },
      { argv: ['tee', '/run/kubeadm/kubeadm-join.yaml'], input: JOIN },
      { argv: ['chmod', '0600', '/run/kubeadm/kubeadm-join.yaml'] },
      { argv: ['chown', 'root:root', '/run/kubeadm/kubeadm-join.yaml'] },
      { argv: ['kubeadm', 'join', '--config', '/run/kubeadm/kubeadm-join.yaml'] },
    ]);
  });

  it('refuses a runcmd that would need a shell', () => {
    expect(() => replayCloudConfig('#cloud-config\nruncmd:\n  - kubeadm join && reboot\n')).toThrow(
      /shell string/,
    );
    expect(() => replayCloudConfig('runcmd: []\n')).toThrow(/not a cloud-config/);
  });

  it("skips kubeadm's preflight as kind's own joins do", () => {
    const config = parse(ignorePreflightErrors(JOIN));
    expect(config.nodeRegistration).toEqual({ name: 'n1', ignorePreflightErrors: ['all'] });
  });

  it('joins with the pool taints and labels and pins the cluster CA', async () => {
    const ca = await generateCertificateAuthority('kubernetes');
    const steps = workerJoinSteps({
      container: 'kaas-1-web-bbbbb',
      kubernetesVersion: '1.36.3',
      controlPlaneEndpoint: 'kaas-1-external-load-balancer:6443',
      token: 'abcdef.0123456789abcdef',
      caCertPem: ca.certPem,
      providerId: 'kind://docker/kaas-1/kaas-1-web-bbbbb',
      labels: { 'kaas.dev/pool': 'web' },
      taints: [{ key: 'dedicated', value: 'web', effect: 'NoSchedule' }],
    });
    const config = parse(steps.find((s) => s.input !== undefined)!.input!);
    expect(config.nodeRegistration.taints).toEqual([
      { key: 'dedicated', value: 'web', effect: 'NoSchedule' },
    ]);
    expect(config.discovery.bootstrapToken.apiServerEndpoint).toBe(
      'kaas-1-external-load-balancer:6443',
    );
    expect(config.discovery.bootstrapToken.caCertHashes[0]).toMatch(/^sha256:[0-9a-f]{64}$/);
  });
});

describe('worker container', () => {
  it('runs privileged with systemd needs and kind labels, on the kind network', () => {
    const args = workerRunArgs({
      kindCluster: 'kaas-1',
      clusterId: 'id-1',
      container: 'kaas-1-web-bbbbb',
      machine: 'dev-web-bbbbb',
      pool: 'web',
      image: `kindest/node:v1.37.2@sha256:${'37'.repeat(32)}`,
    });
    const pairs = (flag: string) => args.flatMap((a, i) => (a === flag ? [args[i + 1]] : []));
    expect(args[0]).toBe('run');
    expect(args).toContain('--privileged');
    expect(pairs('--network')).toEqual(['kind']);
    expect(pairs('--tmpfs')).toEqual(['/tmp', '/run']);
    expect(pairs('--volume')).toEqual(['/var', '/lib/modules:/lib/modules:ro']);
    expect(pairs('--label')).toEqual([
      'io.x-k8s.kind.cluster=kaas-1',
      'io.x-k8s.kind.role=worker',
      'dev.kaas.cluster-id=id-1',
      'dev.kaas.machine=dev-web-bbbbb',
      'dev.kaas.pool=web',
    ]);
    expect(args.at(-1)).toBe(`kindest/node:v1.37.2@sha256:${'37'.repeat(32)}`);
  });
});
