import 'reflect-metadata';
import { ConfigError, loadConfig, type Config } from './config/config.js';
import { loadKeyRing } from './security/key-ring.js';
import { rotateKeys } from './security/rotate-keys.js';
import { openConfiguredDatabase, startServer } from './server.js';
import type { ProcessRole } from './app.module.js';

const ROLES: ProcessRole[] = ['api', 'worker', 'all'];

async function main(): Promise<void> {
  const command = process.argv[2] ?? 'all';
  // The Ingress v2 controller runs inside tenant clusters and needs none of kaas's own config.
  if (command === 'ingress-v2') {
    const { runIngressV2 } = await import('./ingress-v2/main.js');
    return runIngressV2(process.argv.slice(3));
  }
  if (command !== 'rotate-keys' && !ROLES.includes(command as ProcessRole)) {
    process.stderr.write(
      `usage: kaas [api|worker|all|rotate-keys|ingress-v2]   (got "${command}")\n`,
    );
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
  if (command === 'rotate-keys') return rotateKeysCommand(config);
  const role = command as ProcessRole;
  const server = await startServer(role, config);
  process.stdout.write(`kaas ${role} listening on ${server.url} (docs at ${server.url}/docs)\n`);
}

/**
 * `kaas rotate-keys`: with KAAS_KEK set to the new key and the old one in KAAS_KEK_PREVIOUS,
 * re-wraps every secret at rest under the new key and says what is left under another.
 */
async function rotateKeysCommand(config: Config): Promise<void> {
  const keyRing = loadKeyRing(config);
  if (!keyRing) {
    process.stderr.write('kaas rotate-keys: no key-encryption key; set KAAS_KEK\n');
    process.exit(2);
  }
  const database = await openConfiguredDatabase(config);
  try {
    const report = await rotateKeys(database.db, keyRing);
    process.stdout.write(
      `rotate-keys: ${report.examined} secrets, ${report.rewrapped} re-wrapped under "${keyRing.current.id}", ${report.remaining} still under another key\n`,
    );
    if (report.remaining > 0) process.exitCode = 1;
  } finally {
    await database.close();
  }
}

main().catch((error: unknown) => {
  process.stderr.write(
    `kaas: failed to start: ${error instanceof Error ? error.message : String(error)}\n`,
  );
  process.exit(1);
});
