import { Command } from 'commander';
import { apiFor } from '../connection.js';
import { ApiError } from '../errors.js';
import { outputOption, printResult, type Column, type OutputFormat } from '../output.js';

/** Add-ons have no fixed schema yet; show the usual fields and leave the rest to -o json. */
type Addon = Record<string, unknown>;

const COLUMNS: Column<Addon>[] = [
  { header: 'NAME', value: (a) => text(a.name) },
  { header: 'VERSION', value: (a) => text(a.version) },
  { header: 'DESCRIPTION', value: (a) => text(a.description) },
];

export function addonsCommand(): Command {
  const addons = new Command('addons').alias('addon').description('cluster add-ons');
  addons
    .command('list')
    .description('list the add-ons the server offers')
    .addOption(outputOption())
    .action(async (opts: { output: OutputFormat }, cmd: Command) => {
      const api = apiFor(cmd);
      const list = await api.get<{ items: Addon[] }>('/v1/addons').catch(notAvailable);
      printResult(opts.output, list.items, COLUMNS);
    });
  return addons;
}

/** Older servers have no add-on catalogue: say so instead of a bare "Not Found". */
function notAvailable(error: unknown): never {
  if (error instanceof ApiError && error.status === 404) {
    throw new ApiError(404, {
      ...error.problem,
      title: 'Not available',
      detail: 'add-ons are not available on this server (GET /v1/addons answered 404)',
      errors: [],
    });
  }
  throw error;
}

function text(value: unknown): string {
  return typeof value === 'string' || typeof value === 'number' ? String(value) : '';
}
