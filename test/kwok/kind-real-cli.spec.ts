import { afterEach, beforeAll, describe, expect, it } from '@jest/globals';
import { spawnSync } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { KubernetesTools } from '../../src/providers/kwok/kubernetes-tools.js';
import { CommandRunner } from '../../src/providers/kind/cli.js';
import { renderKindConfig } from '../../src/providers/kind/kind-config.js';
import { KIND_NODE_IMAGES, pinnedImage } from '../../src/providers/kind/kind-images.js';
import { KindTools } from '../../src/providers/kind/kind-tools.js';
import { workerRunArgs } from '../../src/providers/kind/node-container.js';
import { startStandin, type Standin } from '../support/cli-standin.js';
import { KIND_NAME, SHIPPED_IMAGE_1_37, kindCluster } from '../support/kind.js';

const CA = '-----BEGIN CERTIFICATE-----\nMA==\n-----END CERTIFICATE-----\n';

/**
 * The real kind binary (built by `npm run tools:build`) with the docker stand-in on PATH: kind
 * reads, defaults and validates the config strictly, lists nodes through `docker ps`, and only
 * then pulls images — which fails here, there being no registry. Reaching the pull means kind
 * accepted the config kaas rendered.
 */
describe('the real kind CLI against the docker stand-in', () => {
  let kind: string;
  let standin: Standin;

  beforeAll(() => {
    kind = new KubernetesTools().kind();
  });
  afterEach(() => standin?.cleanup());

  const runKind = (args: string[]) =>
    spawnSync(kind, args, { env: standin.env, encoding: 'utf8', timeout: 60_000 });

  it('accepts the config kaas renders and goes on to pull the pinned images', () => {
    standin = startStandin({ caPem: CA });
    const { spec } = kindCluster({
      kubernetesVersion: '1.37.0',
      controlPlane: { replicas: 3 },
      network: { podCidr: '10.50.0.0/16', serviceCidr: '10.60.0.0/16' },
      nodePools: [
        {
          name: 'web',
          replicas: 2,
          version: '1.36.1',
          labels: { 'example.com/tier': 'web' },
          taints: [{ key: 'dedicated', value: 'web', effect: 'NoSchedule' }],
        },
      ],
    });
    const path = join(standin.dir, 'kind.yaml');
    writeFileSync(
      path,
      renderKindConfig(KIND_NAME, spec, (v) => pinnedImage(KIND_NODE_IMAGES[v])).yaml,
    );
    const result = runKind([
      'create',
      'cluster',
      '--name',
      KIND_NAME,
      '--config',
      path,
      '--kubeconfig',
      join(standin.dir, 'kubeconfig'),
      '--wait',
      '60s',
    ]);
    expect(result.status).toBe(1);
    expect(result.stderr).toMatch(/failed to pull image "kindest\/node:v1\.3[67]\.[01]@sha256:/);
    const commands = standin.commands();
    expect(commands).toContain(
      `docker ps -a --filter label=io.x-k8s.kind.cluster=${KIND_NAME} --format {{.Names}}`,
    );
    expect(commands.some((c) => /^docker pull kindest\/node:v1\.3[67]\.[01]@sha256:/.test(c))).toBe(
      true,
    );
  });

  it('starts its workers with the same privileges and mounts as the workers kaas adds', () => {
    const image = SHIPPED_IMAGE_1_37;
    standin = startStandin({ caPem: CA, images: [image] });
    const { spec } = kindCluster({
      kubernetesVersion: '1.37.0',
      nodePools: [{ name: 'web', replicas: 1 }],
    });
    const path = join(standin.dir, 'kind.yaml');
    writeFileSync(
      path,
      renderKindConfig(KIND_NAME, spec, (v) => pinnedImage(KIND_NODE_IMAGES[v])).yaml,
    );
    // kind gets as far as `docker run` of every node, then waits on `docker logs`, which the
    // stand-in does not answer.
    const result = runKind(['create', 'cluster', '--name', KIND_NAME, '--config', path]);
    expect(result.status).toBe(1);
    const kindRun = standin
      .calls()
      .find((c) => c.args[0] === 'run' && c.args.includes(`${KIND_NAME}-worker`));
    expect(kindRun).toBeDefined();
    const ours = workerRunArgs({
      kindCluster: KIND_NAME,
      clusterId: 'id',
      container: `${KIND_NAME}-web-bbbbb`,
      machine: 'dev-web-bbbbb',
      pool: 'web',
      image,
    });
    // Per-node values (name, labels) and kind's optional pass-through of a host variable aside.
    const perNode = ['--name', '--hostname', '--label'];
    const generic = (args: string[]) =>
      flagPairs(args.slice(1, -1)).filter(
        ([flag, value]) =>
          !perNode.includes(flag) &&
          !(flag === '--env' && value === 'KIND_EXPERIMENTAL_CONTAINERD_SNAPSHOTTER'),
      );
    expect(generic(ours).sort()).toEqual(generic(kindRun!.args).sort());
    expect(kindRun!.args.at(-1)).toBe(image);
  });

  it('refuses a config with a field kind does not have before pulling anything', () => {
    standin = startStandin({ caPem: CA });
    const path = join(standin.dir, 'kind.yaml');
    writeFileSync(
      path,
      'kind: Cluster\napiVersion: kind.x-k8s.io/v1alpha4\nnodes:\n- role: worker\n  taints: []\n',
    );
    const result = runKind(['create', 'cluster', '--name', KIND_NAME, '--config', path]);
    expect(result.status).toBe(1);
    expect(result.stderr).toContain('taints');
    expect(standin.commands().some((c) => c.startsWith('docker pull'))).toBe(false);
  });

  it('lists the clusters the stand-in holds, reading its docker ps output', () => {
    standin = startStandin({ caPem: CA });
    standin.update((s) => {
      s.containers[`${KIND_NAME}-control-plane`] = {
        name: `${KIND_NAME}-control-plane`,
        id: 'f'.repeat(64),
        image: 'kindest/node:v1.37.2',
        state: 'running',
        labels: { 'io.x-k8s.kind.cluster': KIND_NAME, 'io.x-k8s.kind.role': 'control-plane' },
        files: {},
        joined: true,
      };
    });
    const result = runKind(['get', 'clusters']);
    expect([result.status, result.stdout]).toEqual([0, `${KIND_NAME}\n`]);
  });

  it('passes the tool check with the real kind version output', async () => {
    standin = startStandin({ caPem: CA });
    const tools = new KindTools(
      new CommandRunner(kind, standin.env),
      new CommandRunner(join(standin.dir, 'bin', 'docker'), standin.env),
    );
    expect(await tools.check()).toMatchObject({ ok: true, kindVersion: '0.33.0' });
  });
});

/** `--flag value`, `--flag=value` and short spellings as [long flag, value] pairs. */
function flagPairs(args: string[]): [string, string][] {
  const long: Record<string, string> = { '-e': '--env', '-v': '--volume', '--net': '--network' };
  const boolean = ['--detach', '--tty', '--privileged', '-d', '-t'];
  const pairs: [string, string][] = [];
  for (let i = 0; i < args.length; i++) {
    const [raw, inline] = args[i]!.split(/=(.*)/s, 2) as [string, string | undefined];
    const flag = long[raw] ?? raw;
    if (boolean.includes(raw)) pairs.push([flag, 'true']);
    else pairs.push([flag, inline ?? args[++i]!]);
  }
  return pairs;
}
