import { Command } from 'commander';
import { configPath, findContext, loadConfig, saveConfig, upsertContext } from '../config.js';
import { renderTable } from '../output.js';

interface SetContextFlags {
  server?: string;
  token?: string;
  project?: string;
}

export function configCommand(): Command {
  const config = new Command('config').description(`manage contexts in ${configPath()}`);
  config
    .command('set-context')
    .description('add or update a context (server, token, default project)')
    .argument('<name>')
    // --server, --token and --project are the global flags; here they are stored, not used.
    .action((name: string, _opts: object, cmd: Command) => {
      const { server, token, project } = cmd.optsWithGlobals<SetContextFlags>();
      saveConfig(upsertContext(loadConfig(), { name, server, token, project }));
      process.stdout.write(`context ${name} saved in ${configPath()}\n`);
    });
  config
    .command('use-context')
    .description('make a context the current one')
    .argument('<name>')
    .action((name: string) => {
      const current = loadConfig();
      findContext(current, name);
      saveConfig({ ...current, 'current-context': name });
      process.stdout.write(`switched to context ${name}\n`);
    });
  config
    .command('get-contexts')
    .description('list contexts; * marks the current one')
    .action(() => {
      const current = loadConfig();
      const rows = current.contexts.map((c) => ({
        ...c,
        current: c.name === current['current-context'],
      }));
      const table = renderTable(rows, [
        { header: 'CURRENT', value: (c) => (c.current ? '*' : '') },
        { header: 'NAME', value: (c) => c.name },
        { header: 'SERVER', value: (c) => c.server },
        { header: 'PROJECT', value: (c) => c.project ?? 'default' },
      ]);
      process.stdout.write(`${table}\n`);
    });
  return config;
}
