import { Command, Option } from 'commander';
import { readFileSync } from 'node:fs';
import { parse } from 'yaml';
import type { MlTask, MlTaskCreateRequest, MlTaskLogs } from '@kaas/sdk';
import { apiFor } from '../connection.js';
import { UsageError } from '../errors.js';
import { age, outputOption, printResult, type Column, type OutputFormat } from '../output.js';

const COLUMNS: Column<MlTask>[] = [
  { header: 'NAMESPACE', value: (t) => t.namespace },
  { header: 'NAME', value: (t) => t.name },
  { header: 'PHASE', value: (t) => t.status.phase },
  {
    header: 'READY',
    value: (t) => `${t.status.readyWorkers}/${(t.spec.workers as number | undefined) ?? 1}`,
  },
  { header: 'AGE', value: (t) => (t.createdAt ? age(t.createdAt) : '') },
  { header: 'MESSAGE', value: (t) => t.status.message },
];

const namespaceOption = () =>
  new Option('-n, --namespace <namespace>', 'namespace of the task').default('default');

/**
 * The request body from a file: an MLTask manifest as kubectl would take it, or the API's
 * `{ name, namespace, spec }`.
 */
export function mlTaskRequestFrom(text: string, source: string): MlTaskCreateRequest {
  const doc = parse(text) as Record<string, unknown> | null;
  if (!doc || typeof doc !== 'object') throw new UsageError(`${source} holds no MLTask`);
  if (doc.kind === undefined) return doc as unknown as MlTaskCreateRequest;
  if (doc.kind !== 'MLTask')
    throw new UsageError(`${source} is a ${String(doc.kind)}, not an MLTask`);
  const metadata = (doc.metadata ?? {}) as { name?: string; namespace?: string };
  if (!metadata.name) throw new UsageError(`${source}: metadata.name is missing`);
  return {
    name: metadata.name,
    ...(metadata.namespace ? { namespace: metadata.namespace } : {}),
    spec: doc.spec as MlTaskCreateRequest['spec'],
  };
}

/** Each worker's last lines under a header, then how to follow them. */
export function renderLogs(logs: MlTaskLogs): string {
  const parts = logs.workers.map((w) => {
    const where = [w.pod, w.node ? `on ${w.node}` : undefined, w.phase]
      .concat(w.exitCode !== undefined ? [`exit code ${w.exitCode}`] : [])
      .filter(Boolean)
      .join(', ');
    const body = w.log ?? `(no output: ${w.logError ?? 'nothing yet'})`;
    return `==> worker ${w.index} (${where}) <==\n${body.trimEnd()}`;
  });
  return [
    `${logs.namespace}/${logs.name}: ${logs.phase}: ${logs.message}`,
    ...parts,
    `follow them with: ${logs.kubectl}`,
  ].join('\n\n');
}

export function mltasksCommand(): Command {
  const mltasks = new Command('mltasks')
    .alias('mltask')
    .description('training runs on GPUs (MLTasks) in a cluster');
  mltasks
    .command('list')
    .description('list the MLTasks of a cluster')
    .argument('<cluster>')
    .option('-n, --namespace <namespace>', 'only this namespace (default: all)')
    .addOption(outputOption())
    .action(async (cluster: string, opts: { namespace?: string; output: OutputFormat }, cmd) => {
      const list = await apiFor(cmd).listMLTasks(cluster, opts.namespace);
      printResult(opts.output, list.items, COLUMNS);
    });
  mltasks
    .command('get')
    .description('show an MLTask: phase, workers and what to do when it is stuck')
    .argument('<cluster>')
    .argument('<name>')
    .addOption(namespaceOption())
    .addOption(outputOption())
    .action(
      async (
        cluster: string,
        name: string,
        opts: { namespace: string; output: OutputFormat },
        cmd,
      ) => {
        printResult(
          opts.output,
          await apiFor(cmd).getMLTask(cluster, name, opts.namespace),
          COLUMNS,
        );
      },
    );
  mltasks
    .command('create')
    .description('start an MLTask from a YAML or JSON file (an MLTask manifest)')
    .argument('<cluster>')
    .requiredOption('-f, --filename <file>', 'the MLTask manifest')
    .addOption(outputOption())
    .action(async (cluster: string, opts: { filename: string; output: OutputFormat }, cmd) => {
      const body = mlTaskRequestFrom(readFileSync(opts.filename, 'utf8'), opts.filename);
      printResult(opts.output, await apiFor(cmd).createMLTask(cluster, body), COLUMNS);
    });
  mltasks
    .command('logs')
    .description("the last lines of each worker's output")
    .argument('<cluster>')
    .argument('<name>')
    .addOption(namespaceOption())
    .option('--tail <lines>', 'lines per worker', '50')
    .action(
      async (cluster: string, name: string, opts: { namespace: string; tail: string }, cmd) => {
        const tail = Number(opts.tail);
        if (!Number.isInteger(tail) || tail < 1 || tail > 1000)
          throw new UsageError('--tail must be a whole number from 1 to 1000');
        const logs = await apiFor(cmd).getMLTaskLogs(cluster, name, opts.namespace, tail);
        process.stdout.write(`${renderLogs(logs)}\n`);
      },
    );
  mltasks
    .command('delete')
    .description('delete an MLTask with its workers')
    .argument('<cluster>')
    .argument('<name>')
    .addOption(namespaceOption())
    .action(async (cluster: string, name: string, opts: { namespace: string }, cmd) => {
      await apiFor(cmd).deleteMLTask(cluster, name, opts.namespace);
      process.stdout.write(`mltask ${opts.namespace}/${name} deleted\n`);
    });
  return mltasks;
}
