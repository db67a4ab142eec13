import 'reflect-metadata';
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parse } from 'yaml';
import { generateClusterPki, type ClusterPki } from '../../src/bootstrap/pki.js';
import { generateBootstrapToken, parseBootstrapToken } from '../../src/bootstrap/tokens.js';
import type { MachineRequest } from '../../src/providers/infrastructure-provider.js';
import { KubernetesTools } from '../../src/providers/kwok/kubernetes-tools.js';
import { renderMachineUserData } from '../../src/providers/openstack/user-data.js';
import { clusterSpec } from '../support/factories.js';

/** The kubeadm configs inside the OpenStack provider's user data, checked by the real kubeadm. */
const tools = new KubernetesTools();
let workdir: string;
let pki: ClusterPki;

beforeAll(async () => {
  workdir = mkdtempSync(join(tmpdir(), 'kaas-openstack-kubeadm-'));
  pki = await generateClusterPki();
});

afterAll(() => {
  rmSync(workdir, { recursive: true, force: true });
});

function kubeadmConfigOf(userData: string): string {
  const config = parse(userData) as { write_files: { path: string; content: string }[] };
  return config.write_files.find((f) => f.path.startsWith('/run/kubeadm/'))!.content;
}

describe.each(['1.37.2', '1.36.3'])('kubeadm %s on OpenStack user data', (version) => {
  const spec = clusterSpec({
    provider: 'openstack',
    kubernetesVersion: version,
    nodePools: [
      {
        name: 'gpu',
        replicas: 1,
        flavor: 'g1.gpu',
        labels: { team: 'ml' },
        taints: [{ key: 'nvidia.com/gpu', value: 'present', effect: 'NoSchedule' }],
      },
    ],
    openstack: { cloud: 'prod', image: 'ubuntu-22.04-kube-v1.30.4' },
  });
  const cluster = { id: 'c-1', name: 'prod', projectId: 'p-1', spec };
  const token = parseBootstrapToken(generateBootstrapToken().token);
  const machines: [string, MachineRequest, boolean][] = [
    [
      'the first control-plane machine',
      { name: 'prod-cp-a', role: 'control-plane', version, flavor: 'm1.small' },
      true,
    ],
    [
      'a joining control-plane machine',
      { name: 'prod-cp-b', role: 'control-plane', version, flavor: 'm1.small' },
      false,
    ],
    [
      'a GPU pool worker',
      { name: 'prod-gpu-c', role: 'worker', pool: spec.nodePools[0]!, version, flavor: 'g1.gpu' },
      false,
    ],
  ];

  it.each(machines)('validates the config of %s', (_what, machine, init) => {
    const userData = renderMachineUserData(cluster, machine, {
      pki,
      token,
      endpoint: '203.0.113.20:6443',
      init,
    });
    const file = join(workdir, `${version}-${machine.name}.yaml`);
    writeFileSync(file, kubeadmConfigOf(userData));
    const run = spawnSync(
      tools.kubernetes(version).kubeadm,
      ['config', 'validate', '--config', file],
      {
        encoding: 'utf8',
        timeout: 60_000,
      },
    );
    expect(`${run.stdout}${run.stderr}`.trim()).toBe('ok');
    expect(run.status).toBe(0);
  });
});
