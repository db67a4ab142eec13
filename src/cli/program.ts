import { Command } from 'commander';
import { addonsCommand } from './commands/addons.js';
import { clustersCommand } from './commands/clusters.js';
import { completionCommand } from './commands/completion.js';
import { configCommand } from './commands/config.js';
import { kubeconfigCommand } from './commands/kubeconfig.js';
import { machinesCommand } from './commands/machines.js';
import { mltasksCommand } from './commands/mltasks.js';
import { operationsCommand } from './commands/operations.js';

/** The whole command tree; main.ts runs it and the completion generator walks it. */
export function buildProgram(): Command {
  const program = new Command('kaasctl')
    .description('command-line client for kaas, Kubernetes as a Service')
    .option('--server <url>', 'API server URL (overrides the context)')
    .option('--token <token>', 'API token (overrides the context)')
    .option('--project <project>', 'project (overrides the context; default "default")')
    .option('--context <name>', 'context from the config file to use')
    .showHelpAfterError('(run with --help for usage)');
  program
    .addCommand(configCommand())
    .addCommand(clustersCommand())
    .addCommand(operationsCommand())
    .addCommand(machinesCommand())
    .addCommand(mltasksCommand())
    .addCommand(addonsCommand())
    .addCommand(kubeconfigCommand())
    .addCommand(completionCommand(() => program));
  throwInsteadOfExit(program);
  return program;
}

/** Commands built with `new Command` do not inherit exitOverride, so set it on each. */
function throwInsteadOfExit(command: Command): void {
  command.exitOverride();
  for (const child of command.commands) throwInsteadOfExit(child);
}
