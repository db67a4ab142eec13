import 'reflect-metadata';
import { ConfigError, loadConfig } from './config/config.js';
import { startServer } from './server.js';
import type { ProcessRole } from './app.module.js';

const ROLES: ProcessRole[] = ['api', 'worker', 'all'];

async function main(): Promise<void> {
  const role = (process.argv[2] ?? 'all') as ProcessRole;
  if (!ROLES.includes(role)) {
    process.stderr.write(`usage: kaas [api|worker|all]   (got "${role}")\n`);
    process.exit(2);
  }
  let config;
  try {
    config = loadConfig();
  } catch (error) {
    if (error instanceof ConfigError) {
      process.stderr.write(`kaas: ${error.message}\n`);
      process.exit(2);
    }
    throw error;
  }
  const server = await startServer(role, config);
  process.stdout.write(`kaas ${role} listening on ${server.url} (docs at ${server.url}/docs)\n`);
}

main().catch((error: unknown) => {
  process.stderr.write(
    `kaas: failed to start: ${error instanceof Error ? error.message : String(error)}\n`,
  );
  process.exit(1);
});
