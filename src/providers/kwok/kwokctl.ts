import { execFile } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { dirname, join } from 'node:path';
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

  kubeconfig(name: string): string {
    return readFileSync(join(this.clusterDir(name), 'kubeconfig.yaml'), 'utf8');
  }

  /** `extraConfig`: more YAML documents for kwokctl's config file (kwok settings, Stages). */
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
    extraConfig?: string,
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
        ...(extraConfig ? ['---', extraConfig] : []),
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
  }

  /** Stops whatever still runs of the cluster and starts every component again from its files. */
  async restart(name: string, version: string, timeoutMs: number): Promise<void> {
    const bin = this.tools.kubernetes(version);
    await this.run(['--name', name, 'stop', 'cluster'], 60_000, dirname(bin.kubectl));
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

/** Ports free right now on 127.0.0.1, held together while chosen so they differ. */
async function freePorts(count: number): Promise<number[]> {
  const servers = await Promise.all(
    Array.from(
      { length: count },
      () =>
        new Promise<ReturnType<typeof createServer>>((resolve, reject) => {
          const server = createServer();
          server.once('error', reject);
          server.listen(0, '127.0.0.1', () => resolve(server));
        }),
    ),
  );
  const ports = servers.map((s) => {
    const address = s.address();
    return typeof address === 'object' && address ? address.port : 0;
  });
  await Promise.all(servers.map((s) => new Promise((resolve) => s.close(resolve))));
  return ports;
}
