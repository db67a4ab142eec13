import { Command, Option } from 'commander';
import type { Machine } from '../api-types.js';
import { apiFor } from '../connection.js';
import { reportMutation, type MutationFlags } from '../mutation.js';
import { outputOption, printResult, type Column, type OutputFormat } from '../output.js';

const COLUMNS: Column<Machine>[] = [
  { header: 'NAME', value: (m) => m.name },
  { header: 'POOL', value: (m) => m.pool ?? '' },
  { header: 'ROLE', value: (m) => m.role },
  { header: 'PHASE', value: (m) => m.phase },
  { header: 'VERSION', value: (m) => m.version },
  { header: 'NODE', value: (m) => m.nodeName ?? '' },
];

export function machinesCommand(): Command {
  const machines = new Command('machines').alias('machine').description('inspect machines');
  machines
    .command('list')
    .description('list the machines of a cluster')
    .argument('<cluster>')
    .option('--pool <pool>', 'only this node pool')
    .addOption(outputOption())
    .action(async (cluster: string, opts: { pool?: string; output: OutputFormat }, cmd) => {
      const api = apiFor(cmd);
      const list = await api.listMachines(cluster, opts.pool);
      printResult(opts.output, list.items, COLUMNS);
    });
  machines
    .command('repair')
    .description('replace a machine: a new one joins its pool, the old one is drained and deleted')
    .argument('<cluster>')
    .argument('<machine>')
    .option('--reason <text>', 'why, for the operation and the cluster events')
    .addOption(new Option('--wait', 'follow the operation until it ends'))
    .addOption(outputOption().default(undefined))
    .action(
      async (cluster: string, machine: string, opts: MutationFlags & { reason?: string }, cmd) => {
        const api = apiFor(cmd);
        await reportMutation(api, await api.repairMachine(cluster, machine, opts.reason), opts);
      },
    );
  return machines;
}
