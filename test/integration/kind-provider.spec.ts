import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parse } from 'yaml';
import { discoveryHash } from '../../src/bootstrap/tokens.js';
import type { MachineRequest } from '../../src/providers/infrastructure-provider.js';
import { KindProvider } from '../../src/providers/kind/kind.provider.js';
import { startStandin, type Standin } from '../support/cli-standin.js';
import { startFakeKubeApi, type FakeKubeApi } from '../support/fake-kube-api.js';
import {
  CLUSTER_ID,
  KIND_NAME,
  TEST_DIGEST_1_36,
  TEST_DIGEST_1_37,
  TEST_IMAGES,
  kindCluster,
} from '../support/kind.js';

const FORMAT =
  '{{.Names}}|{{.State}}|{{.Image}}|{{.Label "io.x-k8s.kind.role"}}|{{.Label "dev.kaas.machine"}}';
const psKind = `docker ps --all --no-trunc --filter label=io.x-k8s.kind.cluster=${KIND_NAME} --format ${FORMAT}`;
const psKaas = `docker ps --all --no-trunc --filter label=dev.kaas.cluster-id=${CLUSTER_ID} --format ${FORMAT}`;

function runWorker(container: string, machine: string, image: string): string {
  return [
    'docker run --detach --tty',
    `--name ${container} --hostname ${container} --network kind`,
    `--label io.x-k8s.kind.cluster=${KIND_NAME} --label io.x-k8s.kind.role=worker`,
    `--label dev.kaas.cluster-id=${CLUSTER_ID} --label dev.kaas.machine=${machine} --label dev.kaas.pool=workers`,
    '--privileged --security-opt seccomp=unconfined --security-opt apparmor=unconfined --cgroupns private',
    '--tmpfs /tmp --tmpfs /run --volume /var --volume /lib/modules:/lib/modules:ro',
    `--restart on-failure:1 --init=false ${image}`,
  ].join(' ');
}

function joinWorker(container: string): string[] {
  return [
    `docker exec ${container} systemctl is-system-running --wait`,
    `docker exec ${container} test -f /etc/kubernetes/kubelet.conf`,
    'kind get clusters',
    `kind get kubeconfig --name ${KIND_NAME}`,
    `docker exec ${container} mkdir -p /run/kubeadm`,
    `docker exec --interactive ${container} tee /run/kubeadm/kubeadm-join.yaml`,
    `docker exec ${container} chmod 0600 /run/kubeadm/kubeadm-join.yaml`,
    `docker exec ${container} chown root:root /run/kubeadm/kubeadm-join.yaml`,
    `docker exec ${container} kubeadm join --config /run/kubeadm/kubeadm-join.yaml`,
  ];
}

/** Drives the provider as the reconciler does, against the recording kind and docker stand-in. */
describe('kind provider against the kind and docker stand-in', () => {
  let standin: Standin;
  let api: FakeKubeApi;
  let workdir: string;
  let provider: KindProvider;
  const cluster = kindCluster({
    kubernetesVersion: '1.37.2',
    nodePools: [{ name: 'workers', replicas: 1, version: '1.36.3', labels: { tier: 'web' } }],
  });
  const pool = cluster.spec.nodePools[0]!;
  const worker = (name: string, version: string): MachineRequest => ({
    name,
    role: 'worker',
    pool,
    version,
    flavor: 'standard',
  });

  beforeAll(async () => {
    api = await startFakeKubeApi();
    standin = startStandin({ caPem: api.caPem, apiServer: api.url });
    workdir = mkdtempSync(join(tmpdir(), 'kaas-kind-'));
    provider = new KindProvider({ workdir, tools: standin.tools, images: TEST_IMAGES });
  });

  afterAll(async () => {
    standin?.cleanup();
    await api?.close();
    rmSync(workdir, { recursive: true, force: true });
  });

  it('creates the cluster with kind from the rendered config and reads its kubeconfig', async () => {
    expect(await provider.preflight(cluster.spec)).toEqual([]);
    const state = await provider.ensureClusterInfrastructure(cluster);
    expect(state).toEqual({ ready: true, endpoint: api.url });
    const folder = join(workdir, KIND_NAME);
    expect(standin.commands()).toEqual([
      'kind version',
      'docker version --format {{.Server.Version}}',
      'kind get clusters',
      `kind create cluster --name ${KIND_NAME} --config ${folder}/kind.yaml --kubeconfig ${folder}/kubeconfig --wait 600s`,
      `kind get kubeconfig --name ${KIND_NAME}`,
    ]);
    expect(standin.state().clusters[KIND_NAME]!.config.nodes).toEqual([
      { role: 'control-plane', image: `kindest/node:v1.37.2@${TEST_DIGEST_1_37}` },
      {
        role: 'worker',
        image: `kindest/node:v1.36.3@${TEST_DIGEST_1_36}`,
        labels: { tier: 'web', 'kaas.dev/pool': 'workers' },
      },
    ]);
  });

  it('adopts the nodes kind created as the control-plane and first worker machines', async () => {
    standin.clearCalls();
    const cp = await provider.createMachine(cluster, {
      name: 'dev-cp-aaaaa',
      role: 'control-plane',
      version: '1.37.2',
      flavor: 'standard',
    });
    const first = await provider.createMachine(cluster, worker('dev-workers-bbbbb', '1.36.3'));
    expect(cp).toMatchObject({ state: 'running', nodeName: `${KIND_NAME}-control-plane` });
    expect(first).toMatchObject({
      state: 'running',
      nodeName: `${KIND_NAME}-worker`,
      providerId: `kind://docker/${KIND_NAME}/${KIND_NAME}-worker`,
    });
    expect(standin.commands()).toEqual([psKind, psKind]);
  });

  it('scales up with a kindest/node container joined by our kubeadm config through docker exec', async () => {
    standin.clearCalls();
    const container = `${KIND_NAME}-workers-ccccc`;
    const added = await provider.createMachine(cluster, worker('dev-workers-ccccc', '1.36.3'));
    expect(added).toMatchObject({ state: 'running', nodeName: container });
    expect(standin.commands()).toEqual([
      psKind,
      runWorker(container, 'dev-workers-ccccc', `kindest/node:v1.36.3@${TEST_DIGEST_1_36}`),
      ...joinWorker(container),
      psKind,
    ]);

    const secret = api.requests.find((r) => r.method === 'POST')!.body;
    const joinConfig = parse(standin.calls().find((c) => c.args.includes('tee'))!.stdin!) as Record<
      string,
      any
    >;
    expect(joinConfig).toMatchObject({
      apiVersion: 'kubeadm.k8s.io/v1beta4',
      kind: 'JoinConfiguration',
      discovery: {
        bootstrapToken: {
          token: `${secret.stringData['token-id']}.${secret.stringData['token-secret']}`,
          apiServerEndpoint: `${KIND_NAME}-control-plane:6443`,
          caCertHashes: [discoveryHash(api.caPem)],
        },
      },
      nodeRegistration: { name: container, ignorePreflightErrors: ['all'] },
    });
    expect(joinConfig.nodeRegistration.kubeletExtraArgs).toEqual(
      expect.arrayContaining([
        { name: 'node-labels', value: 'kaas.dev/pool=workers,tier=web' },
        { name: 'provider-id', value: `kind://docker/${KIND_NAME}/${container}` },
      ]),
    );
    expect(standin.state().containers[container]!.joined).toBe(true);
  });

  it('scales down by removing the container (the reconciler drains and deletes the node)', async () => {
    standin.clearCalls();
    await provider.deleteMachine(cluster, 'dev-workers-ccccc');
    expect(standin.commands()).toEqual([
      psKind,
      `docker rm --force --volumes ${KIND_NAME}-workers-ccccc`,
    ]);
    expect(await provider.getMachine(cluster, 'dev-workers-ccccc')).toBeUndefined();
  });

  it('upgrades a worker: a node of the new image joins, then the old kind-made node goes', async () => {
    standin.clearCalls();
    const container = `${KIND_NAME}-workers-ddddd`;
    const fresh = await provider.createMachine(cluster, worker('dev-workers-ddddd', '1.37.2'));
    await provider.deleteMachine(cluster, 'dev-workers-bbbbb');
    expect(fresh).toMatchObject({ state: 'running', nodeName: container });
    expect(standin.commands()).toEqual([
      psKind,
      runWorker(container, 'dev-workers-ddddd', `kindest/node:v1.37.2@${TEST_DIGEST_1_37}`),
      ...joinWorker(container),
      psKind,
      psKind,
      `docker rm --force --volumes ${KIND_NAME}-worker`,
    ]);
    expect((await provider.listMachines(cluster)).map((m) => [m.name, m.nodeName])).toEqual([
      ['dev-cp-aaaaa', `${KIND_NAME}-control-plane`],
      ['dev-workers-ddddd', container],
    ]);
  });

  it('deletes the kind cluster and every container left by label, leaving nothing tagged', async () => {
    standin.clearCalls();
    expect(await provider.deleteClusterInfrastructure(cluster)).toEqual({ gone: true });
    expect(standin.commands()).toEqual([
      'kind get clusters',
      `kind delete cluster --name ${KIND_NAME} --kubeconfig ${join(workdir, KIND_NAME)}/kubeconfig`,
      psKaas,
      psKind,
      psKaas,
    ]);
    expect(await provider.listTaggedResources(CLUSTER_ID)).toEqual([]);
    expect(existsSync(join(workdir, KIND_NAME))).toBe(false);
    expect(standin.state().containers).toEqual({});
  });
});

describe('kind provider picking up after a failure', () => {
  let standin: Standin;
  let api: FakeKubeApi;
  let workdir: string;
  let provider: KindProvider;
  const cluster = kindCluster({
    kubernetesVersion: '1.37.2',
    nodePools: [{ name: 'workers', replicas: 0 }],
  });
  const request: MachineRequest = {
    name: 'dev-workers-eeeee',
    role: 'worker',
    pool: cluster.spec.nodePools[0]!,
    version: '1.37.2',
    flavor: 'standard',
  };
  const container = `${KIND_NAME}-workers-eeeee`;

  beforeAll(async () => {
    api = await startFakeKubeApi();
    standin = startStandin({ caPem: api.caPem, apiServer: api.url });
    workdir = mkdtempSync(join(tmpdir(), 'kaas-kind-'));
    provider = new KindProvider({ workdir, tools: standin.tools, images: TEST_IMAGES });
    await provider.ensureClusterInfrastructure(cluster);
  });

  afterAll(async () => {
    standin?.cleanup();
    await api?.close();
    rmSync(workdir, { recursive: true, force: true });
  });

  it('carries the failed join into the error, then resets the node and joins it again', async () => {
    standin.update((s) => {
      s.failNext = 'join';
    });
    await expect(provider.createMachine(cluster, request)).rejects.toThrow(
      `docker exec ${container} failed: error execution phase kubelet-start: timed out waiting for the condition`,
    );
    standin.clearCalls();
    const machine = await provider.createMachine(cluster, request);
    expect(machine).toMatchObject({ state: 'running', nodeName: container });
    expect(standin.commands()).toEqual([
      psKind,
      `docker exec ${container} systemctl is-system-running --wait`,
      `docker exec ${container} test -f /etc/kubernetes/kubelet.conf`,
      `docker exec ${container} kubeadm reset --force`,
      ...joinWorker(container).slice(2),
      psKind,
    ]);
    expect(standin.state().containers[container]!.joined).toBe(true);
  });

  it('replaces a container of its own that stopped', async () => {
    standin.update((s) => {
      s.containers[container]!.state = 'exited';
    });
    expect(await provider.getMachine(cluster, request.name)).toMatchObject({
      state: 'failed',
      failureReason: `container ${container} is exited`,
    });
    standin.clearCalls();
    await provider.createMachine(cluster, request);
    expect(standin.commands()).toEqual([
      psKind,
      `docker rm --force --volumes ${container}`,
      runWorker(container, request.name, `kindest/node:v1.37.2@${TEST_DIGEST_1_37}`),
      ...joinWorker(container),
      psKind,
    ]);
  });

  it('returns the machine as it is when asked to create it again', async () => {
    standin.clearCalls();
    await provider.createMachine(cluster, request);
    expect(standin.commands()).toEqual([
      psKind,
      `docker exec ${container} systemctl is-system-running --wait`,
      `docker exec ${container} test -f /etc/kubernetes/kubelet.conf`,
      psKind,
    ]);
  });

  it('adopts the control-plane node kind made, and answers a further one with a failure saying why', async () => {
    const cp = (name: string) =>
      provider.createMachine(cluster, {
        name,
        role: 'control-plane',
        version: '1.37.2',
        flavor: 'standard',
      });
    expect(await cp('dev-cp-aaaaa')).toMatchObject({
      state: 'running',
      nodeName: `${KIND_NAME}-control-plane`,
    });
    expect(await cp('dev-cp-fffff')).toMatchObject({
      state: 'failed',
      failureReason:
        'kind cannot add a control-plane node to an existing cluster; its control plane is fixed at creation',
    });
  });
});
