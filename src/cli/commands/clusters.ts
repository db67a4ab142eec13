import { Command, Option } from 'commander';
import type { ClusterCreateRequest, ClusterPatchRequest } from '@kaas/sdk';
import type { KaasApi } from '../api-client.js';
import type { Cluster } from '../api-types.js';
import {
  collect,
  createRequest,
  parsePool,
  patchFromSets,
  readObjectFile,
} from '../cluster-input.js';
import { apiFor } from '../connection.js';
import { UsageError } from '../errors.js';
import { reportMutation, type MutationFlags } from '../mutation.js';
import { age, outputOption, printResult, type Column, type OutputFormat } from '../output.js';
import { confirm } from '../prompt.js';

const COLUMNS: Column<Cluster>[] = [
  { header: 'NAME', value: (c) => c.name },
  { header: 'PROVIDER', value: (c) => c.spec.provider },
  { header: 'VERSION', value: (c) => c.spec.kubernetesVersion },
  { header: 'PHASE', value: (c) => c.status.phase },
  { header: 'NODES', value: (c) => `${c.status.nodeCounts.ready}/${c.status.nodeCounts.desired}` },
  { header: 'AGE', value: (c) => age(c.createdAt) },
];

const waitOption = () => new Option('--wait', 'follow the operation until it ends');

export function clustersCommand(): Command {
  const clusters = new Command('clusters').alias('cluster').description('manage clusters');
  clusters
    .command('list')
    .description('list the clusters of the project')
    .addOption(outputOption())
    .action(async (opts: { output: OutputFormat }, cmd: Command) => {
      const api = apiFor(cmd);
      const list = await api.listClusters();
      printResult(opts.output, list.items, COLUMNS);
    });
  clusters
    .command('get')
    .description('show one cluster')
    .argument('<cluster>')
    .addOption(outputOption())
    .action(async (name: string, opts: { output: OutputFormat }, cmd: Command) => {
      const api = apiFor(cmd);
      const cluster = await api.getCluster(name);
      printResult(opts.output, cluster, COLUMNS);
    });
  addCreate(clusters);
  addPatch(clusters);
  addScaleAndUpgrade(clusters);
  addDelete(clusters);
  return clusters;
}

function addCreate(clusters: Command): void {
  clusters
    .command('create')
    .description('create a cluster from flags or from a YAML/JSON file')
    .argument('[cluster]', 'cluster name (or "name" in the file)')
    .option('-f, --file <path>', 'ClusterCreateRequest as YAML or JSON ("-" for stdin)')
    .option('--provider <provider>', 'infrastructure provider: fake, kwok, openstack, kind')
    .option('--kubernetes-version <version>', 'Kubernetes version')
    .option('--pool <name=replicas[:flavor]>', 'a node pool (repeatable)', parsePool)
    .addOption(waitOption())
    .addOption(outputOption().default(undefined))
    .action(async (name: string | undefined, opts: MutationFlags & object, cmd: Command) => {
      const api = apiFor(cmd);
      const body = createRequest(name, cmd.opts());
      const answer = await api.createCluster(body as unknown as ClusterCreateRequest);
      await reportMutation(api, answer, opts);
    });
}

function addPatch(clusters: Command): void {
  clusters
    .command('patch')
    .description('change a cluster with a JSON merge patch')
    .argument('<cluster>')
    .option('--set <key=value>', 'set one field, e.g. spec.deletionProtection=true', collect)
    .option('-f, --file <path>', 'merge patch as YAML or JSON ("-" for stdin)')
    .addOption(waitOption())
    .addOption(outputOption().default(undefined))
    .action(async (name: string, opts: MutationFlags & { set?: string[]; file?: string }, cmd) => {
      if (!opts.set && !opts.file) throw new UsageError('patch needs --set or -f');
      const patch = {
        ...(opts.file ? readObjectFile(opts.file) : {}),
        ...patchFromSets(opts.set ?? []),
      };
      await patchCluster(apiFor(cmd), name, patch, opts);
    });
}

async function patchCluster(api: KaasApi, name: string, patch: object, flags: MutationFlags) {
  const answer = await api.updateCluster(name, patch as ClusterPatchRequest);
  await reportMutation(api, answer, flags);
}

function addScaleAndUpgrade(clusters: Command): void {
  clusters
    .command('scale')
    .description('set the replicas of one node pool')
    .argument('<cluster>')
    .argument('<pool>')
    .argument('<replicas>', 'desired number of machines', parseReplicas)
    .addOption(waitOption())
    .addOption(outputOption().default(undefined))
    .action(async (name: string, pool: string, replicas: number, opts: MutationFlags, cmd) => {
      const api = apiFor(cmd);
      const answer = await api.scaleNodePool(name, pool, replicas);
      await reportMutation(api, answer, opts);
    });
  clusters
    .command('upgrade')
    .description('change the Kubernetes version (a PATCH of spec.kubernetesVersion)')
    .argument('<cluster>')
    .argument('<version>')
    .addOption(waitOption())
    .addOption(outputOption().default(undefined))
    .action(async (name: string, version: string, opts: MutationFlags, cmd) => {
      await patchCluster(apiFor(cmd), name, { spec: { kubernetesVersion: version } }, opts);
    });
  clusters
    .command('resume')
    .description('pick up work a cancelled or failed operation left (a paused upgrade)')
    .argument('<cluster>')
    .addOption(waitOption())
    .addOption(outputOption().default(undefined))
    .action(async (name: string, opts: MutationFlags, cmd) => {
      const api = apiFor(cmd);
      await reportMutation(api, await api.resumeCluster(name), opts);
    });
}

function addDelete(clusters: Command): void {
  clusters
    .command('delete')
    .description('delete a cluster and its machines')
    .argument('<cluster>')
    .option('-y, --yes', 'do not ask for confirmation')
    .addOption(waitOption())
    .addOption(outputOption().default(undefined))
    .action(async (name: string, opts: MutationFlags & { yes?: boolean }, cmd) => {
      const api = apiFor(cmd);
      const project = api.connection.project;
      if (!opts.yes && !(await confirm(`Delete cluster "${name}" in project "${project}"?`))) {
        throw new UsageError('not confirmed: nothing deleted');
      }
      const answer = await api.deleteCluster(name);
      await reportMutation(api, answer, opts);
    });
}

function parseReplicas(value: string): number {
  if (!/^\d+$/.test(value)) throw new UsageError(`replicas "${value}" is not a whole number`);
  return Number(value);
}
