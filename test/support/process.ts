import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync } from 'node:fs';
import { createServer } from 'node:net';
import { fileURLToPath } from 'node:url';
import { TEST_REDIS_URL } from './env.js';
import { ADMIN_TOKEN, uniquePrefix } from './factories.js';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));
const MAIN = `${ROOT}dist/main.js`;

export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      server.close(() =>
        typeof address === 'object' && address
          ? resolve(address.port)
          : reject(new Error('no port')),
      );
    });
  });
}

export interface KaasProcess {
  url: string;
  child: ChildProcess;
  output(): string;
  /** Sends the signal and resolves with how the process ended. */
  kill(signal: NodeJS.Signals): Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
}

/** Starts `node dist/main.js <role>` as a user would and waits until it listens. */
export async function startKaas(
  role: 'api' | 'worker' | 'all' | 'monitor',
  env: Record<string, string>,
): Promise<KaasProcess> {
  if (!existsSync(MAIN)) throw new Error(`${MAIN} is missing: run "npm run build" first`);
  const port = env.KAAS_PORT ?? String(await freePort());
  const child = spawn(process.execPath, [MAIN, role], {
    cwd: ROOT,
    env: { ...process.env, KAAS_LOG_LEVEL: 'warn', ...env, KAAS_PORT: port },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  child.stdout!.on('data', (d: Buffer) => (output += d.toString()));
  child.stderr!.on('data', (d: Buffer) => (output += d.toString()));
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) =>
    child.on('exit', (code, signal) => resolve({ code, signal })),
  );
  const deadline = Date.now() + 60_000;
  while (!output.includes('listening on')) {
    if (child.exitCode !== null)
      throw new Error(`kaas ${role} exited with ${child.exitCode}:\n${output}`);
    if (Date.now() > deadline)
      throw new Error(`kaas ${role} did not start within 60 s:\n${output}`);
    await new Promise((r) => setTimeout(r, 50));
  }
  return {
    url: `http://127.0.0.1:${port}`,
    child,
    output: () => output,
    kill: async (signal) => {
      if (child.exitCode === null) child.kill(signal);
      return exited;
    },
  };
}

/** Environment of a one-process kaas with the embedded database in `dataDir` and a fast fake provider. */
export function embeddedKaasEnv(
  dataDir: string,
  extra: Record<string, string> = {},
): Record<string, string> {
  return {
    KAAS_DATA_DIR: dataDir,
    KAAS_REDIS_URL: TEST_REDIS_URL,
    KAAS_QUEUE_PREFIX: uniquePrefix(),
    KAAS_BOOTSTRAP_TOKEN: ADMIN_TOKEN,
    KAAS_FAKE_BOOT_SECONDS: '1',
    KAAS_FAKE_DELETE_SECONDS: '0.5',
    ...extra,
  };
}

/** Environment of a one-process kaas with the kwok provider, its clusters under `dataDir`. */
export function kwokKaasEnv(dataDir: string, bootSeconds = 1): Record<string, string> {
  return {
    KAAS_DATA_DIR: dataDir,
    KAAS_PROVIDERS: 'fake,kwok',
    KAAS_KWOK_BOOT_SECONDS: String(bootSeconds),
    KAAS_REDIS_URL: TEST_REDIS_URL,
    KAAS_QUEUE_PREFIX: uniquePrefix(),
    KAAS_BOOTSTRAP_TOKEN: ADMIN_TOKEN,
    KAAS_LOG_LEVEL: 'debug',
  };
}
