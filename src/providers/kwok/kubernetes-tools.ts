import { existsSync, readFileSync } from 'node:fs';
import { homedir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

/** The command that builds the binaries; named in every error about missing ones. */
export const BUILD_COMMAND = 'npm run tools:build';

const VERSIONS_FILE = fileURLToPath(new URL('../../../hack/tools/versions.env', import.meta.url));

export interface KubernetesBinaries {
  kubeApiserver: string;
  kubeControllerManager: string;
  kubeScheduler: string;
  kubeadm: string;
  kubectl: string;
  etcd: string;
}

export interface ToolVersions {
  kubeVersions: string[];
  etcdByMinor: Record<string, string>;
  kwok: string;
  kind: string;
  helm: string;
}

/** Reads hack/tools/versions.env, the single list of pinned tool versions. */
export function readToolVersions(path = VERSIONS_FILE): ToolVersions {
  const values: Record<string, string> = {};
  for (const line of readFileSync(path, 'utf8').split('\n')) {
    const match = /^([A-Z0-9_]+)=("?)([^"]*)\2\s*(#.*)?$/.exec(line.trim());
    if (match) values[match[1]!] = match[3]!;
  }
  const etcdByMinor: Record<string, string> = {};
  for (const [key, value] of Object.entries(values)) {
    const minor = /^ETCD_VERSION_(\d+)_(\d+)$/.exec(key);
    if (minor) etcdByMinor[`${minor[1]}.${minor[2]}`] = value;
  }
  return {
    kubeVersions: (values.KUBE_VERSIONS ?? '').split(/\s+/).filter(Boolean),
    etcdByMinor,
    kwok: values.KWOK_VERSION ?? '',
    kind: values.KIND_VERSION ?? '',
    helm: values.HELM_VERSION ?? '',
  };
}

/**
 * Where scripts/build-k8s-tools.sh puts the binaries: one folder per tool and version under
 * KAAS_TOOLS_DIR (default ~/.cache/kaas/tools).
 */
export class KubernetesTools {
  readonly versions: ToolVersions;
  readonly root: string;

  constructor(root: string | undefined = undefined, versions?: ToolVersions) {
    this.root = root ?? process.env.KAAS_TOOLS_DIR ?? join(homedir(), '.cache', 'kaas', 'tools');
    this.versions = versions ?? readToolVersions();
  }

  kwokctl(): string {
    return this.require(join(this.root, 'kwok', `v${this.versions.kwok}`, 'kwokctl'));
  }

  kwokController(): string {
    return this.require(join(this.root, 'kwok', `v${this.versions.kwok}`, 'kwok'));
  }

  kubernetes(version: string): KubernetesBinaries {
    if (!this.versions.kubeVersions.includes(version)) {
      throw new MissingToolError(
        `no Kubernetes binaries are pinned for ${version}; pinned: ${this.versions.kubeVersions.join(', ')}`,
      );
    }
    const minor = version.split('.').slice(0, 2).join('.');
    const etcd = this.versions.etcdByMinor[minor];
    if (!etcd) throw new MissingToolError(`no etcd version is pinned for Kubernetes ${minor}`);
    const dir = join(this.root, 'k8s', `v${version}`);
    return {
      kubeApiserver: this.require(join(dir, 'kube-apiserver')),
      kubeControllerManager: this.require(join(dir, 'kube-controller-manager')),
      kubeScheduler: this.require(join(dir, 'kube-scheduler')),
      kubeadm: this.require(join(dir, 'kubeadm')),
      kubectl: this.require(join(dir, 'kubectl')),
      etcd: this.require(join(this.root, 'etcd', `v${etcd}`, 'etcd')),
    };
  }

  /** kind, built for tests that check rendered kind configs with the real parser. */
  kind(): string {
    return this.require(join(this.root, 'kind', `v${this.versions.kind}`, 'kind'));
  }

  helm(): string {
    return this.require(join(this.root, 'helm', `v${this.versions.helm}`, 'helm'));
  }

  private require(path: string): string {
    if (!existsSync(path)) throw new MissingToolError(`${path} is missing`);
    return path;
  }
}

export class MissingToolError extends Error {
  constructor(detail: string) {
    super(`${detail}; build the Kubernetes test binaries with "${BUILD_COMMAND}"`);
    this.name = 'MissingToolError';
  }
}
