import 'reflect-metadata';
import { ConfigError, loadConfig, type Config } from './config/config.js';
import { loadKeyRing } from './security/key-ring.js';
import type { ProcessRole } from './app.module.js';

const ROLES: (ProcessRole | 'monitor')[] = ['api', 'worker', 'all', 'monitor'];

async function main(): Promise<void> {
  const command = process.argv[2] ?? 'all';
  // The Ingress v2 controller runs inside tenant clusters and needs none of kaas's own config.
  if (command === 'ingress-v2') {
    const { runIngressV2 } = await import('./ingress-v2/main.js');
    return runIngressV2(process.argv.slice(3));
  }
  if (command !== 'rotate-keys' && !ROLES.includes(command as ProcessRole)) {
    process.stderr.write(
      `usage: kaas [api|worker|all|monitor|rotate-keys|ingress-v2]   (got "${command}")\n`,
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
  // Each role loads only its own modules: a monitor has no room for the API's and the workers'.
  if (command === 'monitor') {
    const { startMonitor } = await import('./monitor/monitor.js');
    const monitor = await startMonitor(config);
    process.stdout.write(`kaas monitor listening on ${monitor.url}\n`);
    return;
  }
  const role = command as ProcessRole;
  const { startServer } = await import('./server.js');
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
  const { openConfiguredDatabase } = await import('./persistence/database.js');
  const { rotateKeys } = await import('./security/rotate-keys.js');
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
