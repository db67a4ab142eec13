import { renderWorkerJoinUserData } from '../../bootstrap/cloud-init.js';
import { renderJoinConfig, type NodeTaint } from '../../bootstrap/kubeadm-config.js';
import { discoveryHash } from '../../bootstrap/tokens.js';
import type { CommandRunner } from './cli.js';
import { ignorePreflightErrors, replayCloudConfig, type ExecStep } from './join-replay.js';

/** systemd in a fresh kindest/node container is up within seconds; image pulls happen before. */
const BOOT_TIMEOUT_MS = 120_000;
const JOIN_TIMEOUT_MS = 300_000;
const STEP_TIMEOUT_MS = 30_000;

export interface WorkerJoin {
  container: string;
  kubernetesVersion: string;
  /** `host:port` of the API server as seen from the kind network. */
  controlPlaneEndpoint: string;
  token: string;
  caCertPem: string;
  providerId: string;
  labels: Readonly<Record<string, string>>;
  taints: readonly NodeTaint[];
}

/** The exec steps that join a node container: our worker cloud-config, replayed. */
export function workerJoinSteps(join: WorkerJoin): ExecStep[] {
  const config = renderJoinConfig({
    kubernetesVersion: join.kubernetesVersion,
    node: {
      name: join.container,
      labels: join.labels,
      taints: join.taints,
      kubeletExtraArgs: { 'provider-id': join.providerId },
    },
    controlPlaneEndpoint: join.controlPlaneEndpoint,
    token: join.token,
    caCertHashes: [discoveryHash(join.caCertPem)],
    discoveryTimeoutSeconds: 300,
  });
  return replayCloudConfig(renderWorkerJoinUserData(ignorePreflightErrors(config)));
}

/** Waits until systemd in the container has finished booting (kind's nodes run it as PID 1). */
export async function waitForBoot(docker: CommandRunner, container: string): Promise<void> {
  const { stdout, code } = await docker.run(
    ['exec', container, 'systemctl', 'is-system-running', '--wait'],
    { timeoutMs: BOOT_TIMEOUT_MS, allowFailure: true },
  );
  const state = stdout.trim();
  // `degraded` is usual in a container: some units have nothing to manage there.
  if (state !== 'running' && state !== 'degraded') {
    throw new Error(
      `node container ${container} did not boot: systemd is "${state}" (exit ${code})`,
    );
  }
}

/** Whether kubeadm has joined the node already (the kubelet's kubeconfig exists). */
export async function isJoined(docker: CommandRunner, container: string): Promise<boolean> {
  const { code } = await docker.run(
    ['exec', container, 'test', '-f', '/etc/kubernetes/kubelet.conf'],
    { timeoutMs: STEP_TIMEOUT_MS, allowFailure: true },
  );
  return code === 0;
}

export async function runSteps(
  docker: CommandRunner,
  container: string,
  steps: ExecStep[],
): Promise<void> {
  for (const step of steps) {
    const isJoin = step.argv[0] === 'kubeadm';
    await docker.run(
      ['exec', ...(step.input !== undefined ? ['--interactive'] : []), container, ...step.argv],
      {
        timeoutMs: isJoin ? JOIN_TIMEOUT_MS : STEP_TIMEOUT_MS,
        ...(step.input !== undefined ? { input: step.input } : {}),
      },
    );
  }
}
