import { execFile } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { KubernetesTools } from './kubernetes-tools.js';

export interface KwokctlResult {
  stdout: string;
  stderr: string;
}

/**
 * Drives kwokctl with its binary runtime and the locally built binaries: argument arrays,
 * never a shell string, a timeout per call, stderr carried into errors. Everything kwokctl
 * writes lives under `workdir` (KWOK_WORKDIR), one folder per cluster.
 */
export class Kwokctl {
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

  async create(name: string, version: string, timeoutMs: number): Promise<void> {
    const bin = this.tools.kubernetes(version);
    await this.run(
      [
        'create', 'cluster',
        '--name', name,
        '--runtime', 'binary',
        '--kubeconfig', '',
        '--kube-apiserver-binary', bin.kubeApiserver,
        '--kube-controller-manager-binary', bin.kubeControllerManager,
        '--kube-scheduler-binary', bin.kubeScheduler,
        '--etcd-binary', bin.etcd,
        '--kwok-controller-binary', this.tools.kwokController(),
        '--wait', `${Math.round(timeoutMs / 1000)}s`,
      ],
      timeoutMs + 30_000,
    );
  }

  async start(name: string, timeoutMs: number): Promise<void> {
    await this.run(['start', 'cluster', '--name', name, '--wait', `${Math.round(timeoutMs / 1000)}s`], timeoutMs + 30_000);
  }

  async delete(name: string): Promise<void> {
    await this.run(['delete', 'cluster', '--name', name, '--kubeconfig', ''], 120_000);
  }

  private run(args: string[], timeoutMs: number): Promise<KwokctlResult> {
    return new Promise((resolve, reject) => {
      execFile(
        this.tools.kwokctl(),
        args,
        { env: { ...process.env, KWOK_WORKDIR: this.workdir }, timeout: timeoutMs, maxBuffer: 16 * 1024 * 1024 },
        (error, stdout, stderr) => {
          if (error) {
            const detail = stderr.trim().split('\n').slice(-5).join(' | ') || error.message;
            reject(new Error(`kwokctl ${args.slice(0, 2).join(' ')} failed: ${detail}`));
          } else {
            resolve({ stdout, stderr });
          }
        },
      );
    });
  }
}
