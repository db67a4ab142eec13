import { execFile } from 'node:child_process';
import {
  existsSync,
  mkdirSync,
  readdirSync,
  readFileSync,
  readlinkSync,
  renameSync,
  rmSync,
  symlinkSync,
  writeFileSync,
} from 'node:fs';
import { randomInt } from 'node:crypto';
import { createServer } from 'node:net';
import { basename, dirname, join } from 'node:path';
import type { KubernetesTools } from './kubernetes-tools.js';

export interface KwokctlResult {
  stdout: string;
  stderr: string;
}

/**
 * Drives kwokctl with its binary runtime and the locally built binaries: argument arrays,
 * never a shell string, a timeout per call, stderr carried into errors. Everything kwokctl
 * writes lives under `workdir` (KWOK_WORKDIR), one folder per cluster.
 *
 * Three things kwokctl does not take as flags are set here: components bind to 127.0.0.1 and
 * kubectl is ours (config file, and our bin folder first on PATH: kwokctl runs `kubectl` from
 * PATH); ports are chosen free by us, since kwokctl only avoids ports of clusters in its own
 * workdir and not atomically.
 */
export class Kwokctl {
  /** One create at a time per process: port choice and kwokctl's own bookkeeping are not atomic. */
  private static creating: Promise<unknown> = Promise.resolve();

  constructor(
    private readonly tools: KubernetesTools,
    readonly workdir: string,
  ) {}

  clusterDir(name: string): string {
    return join(this.workdir, 'clusters', name);
  }

  exists(name: string): boolean {
    return existsSync(join(this.clusterDir(name), 'kwok.yaml'));
  }

  /** Set once `kwokctl create` returned: a cluster folder without it is a create that died. */
  created(name: string): boolean {
    return existsSync(join(this.clusterDir(name), CREATED_MARKER));
  }

  /**
   * Removes a cluster whatever state it is in: kills the processes of its folder and any
   * kwokctl still working on it (left by a worker that died), then deletes it.
   */
  async discard(name: string): Promise<void> {
    killAll([
      ...clusterProcesses(this.clusterDir(name)),
      ...clusterProcesses(join(this.workdir, 'configs', `${name}.yaml`)),
    ]);
    await this.delete(name).catch(() => undefined);
    rmSync(this.clusterDir(name), { recursive: true, force: true });
  }

  kubeconfig(name: string): string {
    return readFileSync(join(this.clusterDir(name), 'kubeconfig.yaml'), 'utf8');
  }

  /**
   * `extraConfig`: more documents for kwokctl's config file, such as kwok `Stage`s; any Stage
   * given replaces all of kwok's default stages, for nodes and pods alike.
   */
  async create(
    name: string,
    version: string,
    timeoutMs: number,
    extraConfig?: string,
  ): Promise<void> {
    const run = Kwokctl.creating.then(() => this.createNow(name, version, timeoutMs, extraConfig));
    Kwokctl.creating = run.catch(() => undefined);
    await run;
  }

  private async createNow(
    name: string,
    version: string,
    timeoutMs: number,
    extraConfig: string | undefined,
  ): Promise<void> {
    const bin = this.tools.kubernetes(version);
    const config = join(this.workdir, 'configs', `${name}.yaml`);
    mkdirSync(dirname(config), { recursive: true });
    writeFileSync(
      config,
      [
        'kind: KwokctlConfiguration',
        'apiVersion: config.kwok.x-k8s.io/v1alpha1',
        'options:',
        '  runtime: binary',
        `  kubeVersion: v${version}`,
        '  bindAddress: 127.0.0.1',
        `  kubectlBinary: ${bin.kubectl}`,
        ...(extraConfig ? ['---', extraConfig.trim()] : []),
        '',
      ].join('\n'),
    );
    const [apiserver, etcd, controllerManager, scheduler, controller] = await freePorts(5);
    await this.run(
      [
        '--name',
        name,
        '--config',
        config,
        'create',
        'cluster',
        '--runtime',
        'binary',
        '--kubeconfig',
        '',
        '--kube-apiserver-binary',
        bin.kubeApiserver,
        '--kube-controller-manager-binary',
        bin.kubeControllerManager,
        '--kube-scheduler-binary',
        bin.kubeScheduler,
        '--etcd-binary',
        bin.etcd,
        '--kwok-controller-binary',
        this.tools.kwokController(),
        '--kube-apiserver-port',
        String(apiserver),
        '--etcd-port',
        String(etcd),
        '--kube-controller-manager-port',
        String(controllerManager),
        '--kube-scheduler-port',
        String(scheduler),
        '--controller-port',
        String(controller),
        '--wait',
        `${Math.round(timeoutMs / 1000)}s`,
        '--timeout',
        `${Math.round(timeoutMs / 1000)}s`,
      ],
      timeoutMs + 30_000,
      dirname(bin.kubectl),
    );
    writeFileSync(join(this.clusterDir(name), CREATED_MARKER), new Date().toISOString());
  }

  /** Stops whatever still runs of the cluster and starts every component again from its files. */
  async restart(name: string, version: string, timeoutMs: number): Promise<void> {
    const bin = this.tools.kubernetes(version);
    await this.run(['--name', name, 'stop', 'cluster'], 60_000, dirname(bin.kubectl));
    // Components kwokctl does not know it started (their starter died) would hold the ports.
    killAll(clusterProcesses(this.clusterDir(name)));
    await this.run(
      ['--name', name, 'start', 'cluster', '--wait', `${Math.round(timeoutMs / 1000)}s`],
      timeoutMs + 30_000,
      dirname(bin.kubectl),
    );
  }

  /** The Kubernetes version the cluster's API server binary belongs to, from its link in bin/. */
  controlPlaneVersion(name: string): string | undefined {
    try {
      const target = readlinkSync(join(this.clusterDir(name), 'bin', 'kube-apiserver'));
      return /\/v(\d+\.\d+\.\d+)\/kube-apiserver$/.exec(target)?.[1];
    } catch {
      return undefined;
    }
  }

  /**
   * Moves a cluster's control plane to other binaries: stops every component, points the
   * links in its bin/ folder at the binaries of `version` (etcd included, whose data directory
   * the newer etcd reads), records the versions in kwok.yaml and starts it all again.
   */
  async switchControlPlane(name: string, version: string, timeoutMs: number): Promise<void> {
    const bin = this.tools.kubernetes(version);
    const dir = this.clusterDir(name);
    await this.run(['--name', name, 'stop', 'cluster'], 60_000, dirname(bin.kubectl));
    const links: Record<string, string> = {
      'kube-apiserver': bin.kubeApiserver,
      'kube-controller-manager': bin.kubeControllerManager,
      'kube-scheduler': bin.kubeScheduler,
      etcd: bin.etcd,
    };
    for (const [component, target] of Object.entries(links)) {
      const link = join(dir, 'bin', component);
      // Replaced atomically: a crash here leaves either the old link or the new one.
      symlinkSync(target, `${link}.next`);
      renameSync(`${link}.next`, link);
    }
    const etcdVersion = /\/etcd\/v([^/]+)\/etcd$/.exec(bin.etcd)?.[1];
    const configPath = join(dir, 'kwok.yaml');
    writeFileSync(
      configPath,
      setComponentVersions(readFileSync(configPath, 'utf8'), {
        'kube-apiserver': version,
        'kube-controller-manager': version,
        'kube-scheduler': version,
        ...(etcdVersion ? { etcd: etcdVersion } : {}),
      }),
    );
    await this.run(
      ['--name', name, 'start', 'cluster', '--wait', `${Math.round(timeoutMs / 1000)}s`],
      timeoutMs + 30_000,
      dirname(bin.kubectl),
    );
  }

  async delete(name: string): Promise<void> {
    // `--kubeconfig ""` makes delete fail; a path that does not exist leaves every kubeconfig alone.
    await this.run(
      [
        '--name',
        name,
        'delete',
        'cluster',
        '--kubeconfig',
        join(this.workdir, 'no-kubeconfig.yaml'),
      ],
      120_000,
    );
  }

  private run(args: string[], timeoutMs: number, binDir?: string): Promise<KwokctlResult> {
    const env = {
      ...process.env,
      KWOK_WORKDIR: this.workdir,
      ...(binDir ? { PATH: `${binDir}:${process.env.PATH ?? ''}` } : {}),
    };
    return new Promise((resolve, reject) => {
      execFile(
        this.tools.kwokctl(),
        args,
        { env, timeout: timeoutMs, maxBuffer: 16 * 1024 * 1024 },
        (error, stdout, stderr) => {
          if (error) {
            const detail = stderr.trim().split('\n').slice(-5).join(' | ') || error.message;
            const verb = args
              .filter((a) => !a.startsWith('-'))
              .slice(1, 3)
              .join(' ');
            reject(new Error(`kwokctl ${verb} failed: ${detail}`, { cause: error }));
          } else {
            resolve({ stdout, stderr });
          }
        },
      );
    });
  }
}

const CREATED_MARKER = 'kaas-created';

/** Processes whose command line mentions the path: a cluster's etcd, apiserver and friends. */
export function clusterProcesses(path: string): number[] {
  return processesUnder(path).map((p) => p.pid);
}

/** The components kwokctl's binary runtime runs for a cluster, by executable name. */
export const CONTROL_PLANE_COMPONENTS = [
  'etcd',
  'kube-apiserver',
  'kube-controller-manager',
  'kube-scheduler',
  'kwok-controller',
] as const;

/**
 * Components of the cluster at `path` with no process running. A controller manager or
 * scheduler that died (a port taken between its choice and its bind, a kill) leaves an API
 * server that answers while no Deployment ever rolls out.
 */
export function missingComponents(path: string): string[] {
  const running = new Set(processesUnder(path).map((p) => basename(p.executable)));
  return CONTROL_PLANE_COMPONENTS.filter((c) => !running.has(c));
}

function processesUnder(path: string): { pid: number; executable: string }[] {
  const found: { pid: number; executable: string }[] = [];
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const cmdline = readFileSync(`/proc/${entry}/cmdline`, 'utf8');
      if (cmdline.includes(path))
        found.push({ pid: Number(entry), executable: cmdline.split('\0')[0] ?? '' });
    } catch {
      // The process ended while we looked.
    }
  }
  return found;
}

function killAll(pids: number[]): void {
  for (const pid of pids) {
    try {
      process.kill(pid, 'SIGKILL');
    } catch {
      // Gone already.
    }
  }
}

/**
 * Rewrites the `version:` of the named components in a kwokctl configuration. Each component
 * is a list item whose `name:` and `version:` sit at the same indentation.
 */
export function setComponentVersions(yaml: string, versions: Record<string, string>): string {
  const items = yaml.split(/(?=^- )/m);
  return items
    .map((item) => {
      const name = /^ {2}name: (\S+)$/m.exec(item)?.[1];
      const version = name ? versions[name] : undefined;
      return version ? item.replace(/^ {2}version: .*$/m, `  version: ${version}`) : item;
    })
    .join('');
}

/**
 * Where control-plane ports are chosen: below Linux's ephemeral range (32768-60999), from
 * which the kernel gives outgoing connections their local ports. A port picked there could be
 * taken by some connection in the seconds before the component binds it.
 */
const PORT_RANGE = { from: 20_000, to: 32_000 };

/** Ports free right now on 127.0.0.1, held together while chosen so they differ. */
async function freePorts(count: number): Promise<number[]> {
  const held: ReturnType<typeof createServer>[] = [];
  try {
    for (let tries = 0; held.length < count; tries++) {
      if (tries > 200)
        throw new Error(`no ${count} free ports in ${PORT_RANGE.from}-${PORT_RANGE.to}`);
      const port = PORT_RANGE.from + randomInt(PORT_RANGE.to - PORT_RANGE.from);
      const server = await listening(port);
      if (server) held.push(server);
    }
    return held.map((s) => (s.address() as { port: number }).port);
  } finally {
    await Promise.all(held.map((s) => new Promise((resolve) => s.close(resolve))));
  }
}

function listening(port: number): Promise<ReturnType<typeof createServer> | undefined> {
  return new Promise((resolve) => {
    const server = createServer();
    server.once('error', () => resolve(undefined));
    server.listen(port, '127.0.0.1', () => resolve(server));
  });
}
