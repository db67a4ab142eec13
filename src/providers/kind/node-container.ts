/** Docker labels kind puts on its nodes; `kind delete cluster` removes every container carrying the first. */
export const KIND_CLUSTER_LABEL = 'io.x-k8s.kind.cluster';
export const KIND_ROLE_LABEL = 'io.x-k8s.kind.role';
/** Labels kaas adds to the workers it runs itself. */
export const KAAS_CLUSTER_LABEL = 'dev.kaas.cluster-id';
export const KAAS_MACHINE_LABEL = 'dev.kaas.machine';
export const KAAS_POOL_LABEL = 'dev.kaas.pool';

/** The Docker network kind puts every node on. */
export const KIND_NETWORK = 'kind';

export interface WorkerContainer {
  kindCluster: string;
  clusterId: string;
  container: string;
  machine: string;
  pool?: string;
  image: string;
}

/**
 * `docker run` arguments for a worker node, as kind and Cluster API's Docker provider start
 * theirs: systemd as PID 1 in a privileged container with its own cgroup namespace, /tmp and
 * /run as tmpfs (systemd expects them empty at boot), an anonymous volume for /var (the
 * containerd store must not sit on overlayfs), the host's kernel modules read-only, and the
 * kind labels so `kind get nodes` and `kind delete cluster` see it as one of the cluster's nodes.
 * test/kwok/kind-real-cli.spec.ts checks these against the flags kind itself passes.
 */
export function workerRunArgs(worker: WorkerContainer): string[] {
  return [
    'run',
    '--detach',
    '--tty',
    '--name',
    worker.container,
    '--hostname',
    worker.container,
    '--network',
    KIND_NETWORK,
    '--label',
    `${KIND_CLUSTER_LABEL}=${worker.kindCluster}`,
    '--label',
    `${KIND_ROLE_LABEL}=worker`,
    '--label',
    `${KAAS_CLUSTER_LABEL}=${worker.clusterId}`,
    '--label',
    `${KAAS_MACHINE_LABEL}=${worker.machine}`,
    ...(worker.pool ? ['--label', `${KAAS_POOL_LABEL}=${worker.pool}`] : []),
    '--privileged',
    '--security-opt',
    'seccomp=unconfined',
    '--security-opt',
    'apparmor=unconfined',
    '--cgroupns',
    'private',
    '--tmpfs',
    '/tmp',
    '--tmpfs',
    '/run',
    '--volume',
    '/var',
    '--volume',
    '/lib/modules:/lib/modules:ro',
    '--restart',
    'on-failure:1',
    // systemd must be PID 1: no init process of Docker's in front of it.
    '--init=false',
    worker.image,
  ];
}
