import { Command } from 'commander';
import { apiFor } from '../connection.js';
import { ApiError } from '../errors.js';
import { outputOption, printResult, type Column, type OutputFormat } from '../output.js';
import type { Addon } from '../api-types.js';

const COLUMNS: Column<Addon>[] = [
  { header: 'NAME', value: (a) => a.name },
  { header: 'AVAILABILITY', value: (a) => a.availability },
  { header: 'DEFAULT', value: (a) => a.defaultVersion ?? '' },
  { header: 'VERSIONS', value: (a) => a.versions.map((v) => v.version).join(',') },
  { header: 'ON BY DEFAULT', value: (a) => a.defaultEnabled },
  { header: 'TITLE', value: (a) => a.title },
];

export function addonsCommand(): Command {
  const addons = new Command('addons').alias('addon').description('cluster add-ons');
  addons
    .command('list')
    .description('list the add-ons the server offers')
    .addOption(outputOption())
    .action(async (opts: { output: OutputFormat }, cmd: Command) => {
      const api = apiFor(cmd);
      const list = await api.listAddons().catch(notAvailable);
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
