import { Command } from 'commander';
import { homedir } from 'node:os';
import { join } from 'node:path';
import { apiFor } from '../connection.js';
import {
  mergeKubeconfig,
  parseKubeconfig,
  readKubeconfigFile,
  renameEntries,
  writeKubeconfigFile,
} from '../kubeconfig-merge.js';

interface KubeconfigFlags {
  kubeconfig?: string;
  setCurrent: boolean;
}

export function kubeconfigCommand(): Command {
  return new Command('kubeconfig')
    .description('write or merge the admin kubeconfig of a cluster into ~/.kube/config')
    .argument('<cluster>')
    .option('--kubeconfig <path>', 'file to merge into (default $KUBECONFIG or ~/.kube/config)')
    .option('--no-set-current', 'leave current-context as it is')
    .action(async (cluster: string, opts: KubeconfigFlags, cmd: Command) => {
      const api = apiFor(cmd);
      const answer = await api.getKubeconfig(cluster);
      const name = `kaas-${api.connection.project}-${cluster}`;
      const incoming = renameEntries(parseKubeconfig(answer.kubeconfig, 'the server'), name);
      const file = opts.kubeconfig ?? defaultKubeconfigPath();
      writeKubeconfigFile(
        file,
        mergeKubeconfig(readKubeconfigFile(file), incoming, opts.setCurrent),
      );
      process.stdout.write(`context ${name} written to ${file}\n`);
    });
}

/** Like kubectl: the first file of $KUBECONFIG, else ~/.kube/config. */
function defaultKubeconfigPath(): string {
  const first = process.env.KUBECONFIG?.split(':').find(Boolean);
  return first ?? join(homedir(), '.kube', 'config');
}
