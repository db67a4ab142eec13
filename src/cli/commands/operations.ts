import { Command } from 'commander';
import type { OperationStatus } from '../api-types.js';
import type { Operation } from '../api-types.js';
import { apiFor } from '../connection.js';
import { age, outputOption, printResult, type Column, type OutputFormat } from '../output.js';
import { watchOperation } from '../progress.js';

const COLUMNS: Column<Operation>[] = [
  { header: 'ID', value: (o) => o.id },
  { header: 'TYPE', value: (o) => o.type },
  { header: 'CLUSTER', value: (o) => o.clusterName },
  { header: 'STATUS', value: (o) => o.status },
  { header: 'PROGRESS', value: (o) => `${o.progress}%` },
  { header: 'AGE', value: (o) => age(o.createdAt) },
];

export function operationsCommand(): Command {
  const operations = new Command('operations')
    .alias('operation')
    .alias('ops')
    .description('follow and cancel operations');
  operations
    .command('list')
    .description('list operations, newest first')
    .option('--cluster <cluster>', 'only this cluster')
    .option('--status <status>', 'only this status, e.g. Running')
    .addOption(outputOption())
    .action(async (opts: { cluster?: string; status?: string; output: OutputFormat }, cmd) => {
      const api = apiFor(cmd);
      const list = await api.listOperations({
        ...(opts.cluster ? { cluster: opts.cluster } : {}),
        ...(opts.status ? { status: opts.status as OperationStatus } : {}),
      });
      printResult(opts.output, list.items, COLUMNS);
    });
  operations
    .command('get')
    .description('show one operation and its steps')
    .argument('<id>')
    .addOption(outputOption())
    .action(async (id: string, opts: { output: OutputFormat }, cmd: Command) => {
      const api = apiFor(cmd);
      const operation = await api.getOperation(id);
      printResult(opts.output, operation, COLUMNS);
      if (opts.output === 'table') printSteps(operation);
    });
  operations
    .command('watch')
    .description('show live progress until the operation ends (exit 3 unless it succeeds)')
    .argument('<id>')
    .action(async (id: string, _opts: object, cmd: Command) => {
      await watchOperation(apiFor(cmd), id);
    });
  operations
    .command('cancel')
    .description('ask the server to cancel a running operation')
    .argument('<id>')
    .action(async (id: string, _opts: object, cmd: Command) => {
      const api = apiFor(cmd);
      const operation = await api.cancelOperation(id);
      process.stdout.write(`operation ${operation.id} ${operation.status}\n`);
    });
  return operations;
}

function printSteps(operation: Operation): void {
  process.stdout.write('\nSTEPS\n');
  for (const step of operation.steps) {
    const message = step.message ? `  ${step.message}` : '';
    process.stdout.write(`  ${step.name}  ${step.status}  ${step.done}/${step.total}${message}\n`);
  }
  if (operation.error) {
    process.stdout.write(`\nerror: ${operation.error.reason}: ${operation.error.message}\n`);
  }
}
