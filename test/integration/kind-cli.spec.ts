import { afterEach, describe, expect, it } from '@jest/globals';
import { writeFileSync } from 'node:fs';
import { CommandError, CommandRunner } from '../../src/providers/kind/cli.js';
import { KindProvider } from '../../src/providers/kind/kind.provider.js';
import { startStandin, type Standin } from '../support/cli-standin.js';
import { TEST_IMAGES, kindCluster } from '../support/kind.js';

const CA = '-----BEGIN CERTIFICATE-----\nMA==\n-----END CERTIFICATE-----\n';

describe('kind and docker CLI driver', () => {
  let standin: Standin | undefined;
  afterEach(() => standin?.cleanup());

  const provider = (s: Standin) =>
    new KindProvider({ workdir: `${s.dir}/work`, tools: s.tools, images: TEST_IMAGES });

  it('passes preflight when both tools answer with supported versions', async () => {
    standin = startStandin({ caPem: CA });
    const check = await standin.tools.check();
    expect(check).toEqual({
      ok: true,
      problems: [],
      kindVersion: '0.33.0',
      dockerVersion: '29.5.0',
    });
  });

  it('answers 422 problems naming a missing kind and a docker without a running engine', async () => {
    standin = startStandin({ caPem: CA, engineUp: false });
    standin.remove('kind');
    const problems = await provider(standin).preflight(kindCluster().spec);
    expect(problems).toEqual([
      {
        field: 'spec.provider',
        message:
          'kind is not installed (not found on PATH); install kind from https://kind.sigs.k8s.io',
      },
      {
        field: 'spec.provider',
        message:
          'docker does not work here: docker version failed: Cannot connect to the Docker daemon at unix:///var/run/docker.sock. Is the docker daemon running?',
      },
    ]);
  });

  it('looks again after a failed check, so starting Docker is noticed at once', async () => {
    standin = startStandin({ caPem: CA, engineUp: false });
    expect((await standin.tools.check()).ok).toBe(false);
    standin.update((s) => {
      s.engineUp = true;
    });
    expect((await standin.tools.check()).ok).toBe(true);
    expect((await standin.tools.check()).ok).toBe(true);
    expect(standin.commands().filter((c) => c === 'kind version')).toHaveLength(2);
  });

  it('refuses versions of kind and Docker that are too old', async () => {
    standin = startStandin({ caPem: CA, versions: { kind: '0.20.0', docker: '19.3.15' } });
    expect((await standin.tools.check()).problems).toEqual([
      'kind 0.20.0 is too old; kaas needs kind 0.33.0 or newer',
      'Docker Engine 19.3.15 is too old; kaas needs 20.10.0 or newer',
    ]);
  });

  it('carries stderr and the exit code of a failed command into its error', async () => {
    standin = startStandin({ caPem: CA });
    const error = await standin.tools.kind
      .run(['get', 'kubeconfig', '--name', 'absent'], { timeoutMs: 10_000 })
      .catch((e: unknown) => e);
    expect(error).toBeInstanceOf(CommandError);
    expect((error as CommandError).code).toBe(1);
    expect((error as CommandError).message).toBe(
      "kind get kubeconfig failed: ERROR: could not locate any control plane nodes for cluster named 'absent'. Use the --name option to select a different cluster",
    );
  });

  it('stops a command that outlives its timeout', async () => {
    const sleeper = new CommandRunner('sleep');
    await expect(sleeper.run(['5'], { timeoutMs: 200 })).rejects.toThrow(
      'sleep 5 failed: no answer within 200 ms (SIGKILL)',
    );
  });

  it('passes arguments as they are: shell syntax in a value reaches the program as text', async () => {
    const echo = new CommandRunner('printf');
    const { stdout } = await echo.run(['%s', '$(touch /tmp/x); `id` | rm -rf /'], {
      timeoutMs: 5_000,
    });
    expect(stdout).toBe('$(touch /tmp/x); `id` | rm -rf /');
  });

  it('has a stand-in that refuses flags the real CLIs do not have, as they do', async () => {
    standin = startStandin({ caPem: CA });
    const kind = await standin.tools.kind.run(['create', 'cluster', '--nodes', '3'], {
      timeoutMs: 10_000,
      allowFailure: true,
    });
    expect([kind.code, kind.stderr]).toEqual([1, 'ERROR: unknown flag: --nodes\n']);
    const docker = await standin.tools.docker.run(['run', '--detached', 'img'], {
      timeoutMs: 10_000,
      allowFailure: true,
    });
    expect([docker.code, docker.stderr]).toEqual([
      125,
      "unknown flag: --detached\nSee 'docker run --help'.\n",
    ]);
  });

  it('has a stand-in that refuses a kind config with fields kind does not know', async () => {
    standin = startStandin({ caPem: CA });
    const path = `${standin.dir}/bad.yaml`;
    writeFileSync(
      path,
      'kind: Cluster\napiVersion: kind.x-k8s.io/v1alpha4\nnodes:\n- role: control-plane\n  taints: []\n',
    );
    const result = await standin.tools.kind.run(['create', 'cluster', '--config', path], {
      timeoutMs: 10_000,
      allowFailure: true,
    });
    expect(result.code).toBe(1);
    expect(result.stderr).toContain('unknown field "taints"');
  });

  it("reports a failed kind create as a transient error carrying kind's message", async () => {
    standin = startStandin({ caPem: CA, failNext: 'create' });
    await expect(provider(standin).ensureClusterInfrastructure(kindCluster())).rejects.toThrow(
      'kind create cluster failed: ERROR: failed to create cluster: failed to init node with kubeadm',
    );
  });
});
