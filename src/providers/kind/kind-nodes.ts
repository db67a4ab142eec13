import { mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { CommandRunner } from './cli.js';
import type { KindNodeLayout } from './kind-config.js';
import {
  KAAS_CLUSTER_LABEL,
  KAAS_MACHINE_LABEL,
  KIND_CLUSTER_LABEL,
  KIND_ROLE_LABEL,
} from './node-container.js';

const DOCKER_TIMEOUT_MS = 30_000;
const FIELDS = [
  '{{.Names}}',
  '{{.State}}',
  '{{.Image}}',
  `{{.Label "${KIND_ROLE_LABEL}"}}`,
  `{{.Label "${KAAS_MACHINE_LABEL}"}}`,
];

/** A node container as `docker ps` shows it. */
export interface NodeContainer {
  name: string;
  /** Docker's state: created, running, restarting, exited, paused, dead or removing. */
  state: string;
  image: string;
  role: string;
  /** The machine kaas ran it for; empty for nodes kind created. */
  machine: string;
}

/** Lists containers carrying a label, with the fields the provider reads. */
export async function listContainers(
  docker: CommandRunner,
  label: string,
): Promise<NodeContainer[]> {
  const { stdout } = await docker.run(
    ['ps', '--all', '--no-trunc', '--filter', `label=${label}`, '--format', FIELDS.join('|')],
    { timeoutMs: DOCKER_TIMEOUT_MS },
  );
  return stdout
    .split('\n')
    .filter((line) => line.trim() !== '')
    .map((line) => {
      const [name = '', state = '', image = '', role = '', machine = ''] = line.split('|');
      return { name, state, image, role, machine };
    });
}

export function kindNodesOf(docker: CommandRunner, kindCluster: string): Promise<NodeContainer[]> {
  return listContainers(docker, `${KIND_CLUSTER_LABEL}=${kindCluster}`);
}

export function kaasContainersOf(
  docker: CommandRunner,
  clusterId: string,
): Promise<NodeContainer[]> {
  return listContainers(docker, `${KAAS_CLUSTER_LABEL}=${clusterId}`);
}

/**
 * What kaas keeps beside a kind cluster, in one folder per cluster: the kind config it was
 * created from, the nodes that config made (`layout.json`), and which machine took over which
 * of them (`claims/<container>`, holding the machine's name). Docker cannot relabel a
 * container, so a claim is a file created exclusively: two machines never take the same node.
 */
export class KindClusterFolder {
  constructor(readonly dir: string) {}

  get configPath(): string {
    return join(this.dir, 'kind.yaml');
  }

  get kubeconfigPath(): string {
    return join(this.dir, 'kubeconfig');
  }

  /** A new kind cluster: claims on nodes of an earlier one (deleted behind kaas's back) go. */
  writeCreation(config: string, layout: KindNodeLayout[]): void {
    rmSync(join(this.dir, 'claims'), { recursive: true, force: true });
    mkdirSync(join(this.dir, 'claims'), { recursive: true });
    writeFileSync(this.configPath, config);
    writeFileSync(join(this.dir, 'layout.json'), JSON.stringify(layout, null, 2));
  }

  layout(): KindNodeLayout[] {
    try {
      return JSON.parse(readFileSync(join(this.dir, 'layout.json'), 'utf8')) as KindNodeLayout[];
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'ENOENT') return [];
      throw error;
    }
  }

  /** Machine name by container, for every claimed node. */
  claims(): Map<string, string> {
    const dir = join(this.dir, 'claims');
    const claims = new Map<string, string>();
    let entries: string[];
    try {
      entries = readdirSync(dir);
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'ENOENT') return claims;
      throw error;
    }
    for (const container of entries) {
      claims.set(container, readFileSync(join(dir, container), 'utf8').trim());
    }
    return claims;
  }

  /** True when this call took the node for the machine. */
  claim(container: string, machine: string): boolean {
    mkdirSync(join(this.dir, 'claims'), { recursive: true });
    try {
      writeFileSync(join(this.dir, 'claims', container), machine, { flag: 'wx' });
      return true;
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'EEXIST') return false;
      throw error;
    }
  }

  release(container: string): void {
    rmSync(join(this.dir, 'claims', container), { force: true });
  }

  remove(): void {
    rmSync(this.dir, { recursive: true, force: true });
  }
}
