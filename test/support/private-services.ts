import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { freePort } from './process.js';

const SERVICES = fileURLToPath(new URL('../../scripts/services.sh', import.meta.url));

/**
 * A Redis and a PostgreSQL of a test's own (scripts/services.sh on free ports in a folder of
 * their own), so that a test can crash and restart them without touching anyone else's.
 */
export interface PrivateServices {
  redisUrl: string;
  databaseUrl: string;
  crash(what: 'redis' | 'postgres'): Promise<void>;
  start(what: 'redis' | 'postgres'): Promise<void>;
  stop(): Promise<void>;
}

export async function startPrivateServices(): Promise<PrivateServices> {
  const dir = mkdtempSync(join(tmpdir(), 'kaas-services-'));
  const redisPort = await freePort();
  const pgPort = await freePort();
  const env = {
    ...process.env,
    KAAS_SERVICES_DIR: dir,
    KAAS_REDIS_PORT: String(redisPort),
    KAAS_PG_PORT: String(pgPort),
  };
  const run = (...args: string[]) =>
    new Promise<void>((resolve, reject) =>
      execFile('bash', [SERVICES, ...args], { env, timeout: 120_000 }, (error, _out, stderr) =>
        error
          ? reject(new Error(`services.sh ${args.join(' ')}: ${stderr || error.message}`))
          : resolve(),
      ),
    );
  await run('redis', 'postgres');
  return {
    redisUrl: `redis://127.0.0.1:${redisPort}`,
    databaseUrl: `postgres://kaas@127.0.0.1:${pgPort}/postgres`,
    crash: (what) => run(`crash-${what}`),
    start: (what) => run(what),
    stop: async () => {
      await run('stop').catch(() => undefined);
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
