// Shared helpers for the benchmarks: processes, HTTP, databases, cleanup. 127.0.0.1 only.
import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { existsSync } from 'node:fs';
import { createServer } from 'node:net';
import { fileURLToPath } from 'node:url';
import { setTimeout as sleep } from 'node:timers/promises';
import { performance } from 'node:perf_hooks';
import pg from 'pg';

export const ROOT = fileURLToPath(new URL('../', import.meta.url));
export const MAIN = `${ROOT}dist/main.js`;
export const TOKEN = `kaas_${'b'.repeat(40)}`;
export const PG_ADMIN_URL = 'postgres://kaas@127.0.0.1:55432/postgres';
export { sleep };

const children = new Set();
const cleanups = [];

/** Registers an async cleanup run on exit, error or signal (last registered runs first). */
export function onCleanup(fn) {
  cleanups.unshift(fn);
}

export async function cleanup() {
  while (cleanups.length) {
    const fn = cleanups.shift();
    await fn().catch((error) => console.error(`cleanup: ${error.message}`));
  }
  for (const child of children) if (child.exitCode === null) child.kill('SIGKILL');
}

for (const signal of ['SIGINT', 'SIGTERM']) {
  process.once(signal, () => {
    void cleanup().finally(() => process.exit(130));
  });
}

/** Runs main(), always cleans up, exits 0 or 1. */
export function run(main) {
  main()
    .then(
      () => 0,
      (error) => {
        console.error(error?.stack ?? String(error));
        return 1;
      },
    )
    .then(async (code) => {
      await cleanup();
      process.exit(code);
    });
}

export function uniqueId(prefix) {
  return `${prefix}${randomBytes(4).toString('hex')}`;
}

export function freePort() {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      server.close(() => (address ? resolve(address.port) : reject(new Error('no port'))));
    });
  });
}

/** Parses `--name value` and `--flag` arguments over the given defaults. */
export function args(defaults) {
  const out = { ...defaults };
  const argv = process.argv.slice(2);
  for (let i = 0; i < argv.length; i++) {
    const key = argv[i].replace(/^--/, '');
    if (!(key in defaults)) throw new Error(`unknown option --${key}`);
    if (typeof defaults[key] === 'boolean') out[key] = true;
    else out[key] = typeof defaults[key] === 'number' ? Number(argv[++i]) : argv[++i];
  }
  return out;
}

/** Starts a node script as a child process, kills it on cleanup, waits for `ready` in its output. */
export async function startProcess(name, argv, env, ready, timeoutMs = 60_000) {
  const child = spawn(process.execPath, argv, {
    cwd: ROOT,
    env: { ...process.env, ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  children.add(child);
  let output = '';
  child.stdout.on('data', (d) => (output += d.toString()));
  child.stderr.on('data', (d) => (output += d.toString()));
  const exited = new Promise((resolve) => child.on('exit', resolve));
  const stop = async () => {
    if (child.exitCode === null && child.signalCode === null) {
      child.kill('SIGTERM');
      const late = sleep(15_000).then(() => child.kill('SIGKILL'));
      await Promise.race([exited, late]);
    }
    children.delete(child);
  };
  onCleanup(stop);
  const deadline = Date.now() + timeoutMs;
  while (!output.includes(ready)) {
    if (child.exitCode !== null)
      throw new Error(`${name} exited with ${child.exitCode}:\n${output}`);
    if (Date.now() > deadline) throw new Error(`${name} did not start in time:\n${output}`);
    await sleep(50);
  }
  return { child, stop, output: () => output };
}

/** Starts `node dist/main.js <role>` with the bench defaults and returns its URL. */
export async function startKaas(role, env = {}, nodeFlags = []) {
  if (!existsSync(MAIN)) throw new Error(`${MAIN} is missing: run "npm run build" first`);
  const port = env.KAAS_PORT ?? String(await freePort());
  const proc = await startProcess(
    `kaas ${role}`,
    [...nodeFlags, MAIN, role],
    {
      KAAS_HOST: '127.0.0.1',
      KAAS_LOG_LEVEL: 'warn',
      KAAS_BOOTSTRAP_TOKEN: TOKEN,
      KAAS_QUOTA_CLUSTERS: '1000',
      KAAS_QUOTA_NODES: '1000',
      // One token drives every request of a benchmark: measure the API, not its limiter.
      KAAS_RATE_LIMIT_PER_SECOND: '0',
      ...env,
      KAAS_PORT: port,
    },
    'listening on',
  );
  return { ...proc, url: `http://127.0.0.1:${port}` };
}

/** A fresh PostgreSQL database, dropped on cleanup. */
export async function createDatabase(prefix = 'kaas_bench_') {
  const name = uniqueId(prefix);
  const admin = new pg.Client({ connectionString: PG_ADMIN_URL });
  await admin.connect();
  await admin.query(`CREATE DATABASE ${name}`);
  await admin.end();
  onCleanup(() => dropDatabase(name));
  return { name, url: `postgres://kaas@127.0.0.1:55432/${name}` };
}

export async function dropDatabase(name) {
  const admin = new pg.Client({ connectionString: PG_ADMIN_URL });
  await admin.connect();
  try {
    await admin.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
  } finally {
    await admin.end();
  }
}

/** A tiny client of the kaas API with the bench token. */
export function client(baseUrl, token = TOKEN) {
  async function call(method, path, body) {
    const response = await fetch(`${baseUrl}${path}`, {
      method,
      headers: {
        authorization: `Bearer ${token}`,
        ...(body ? { 'content-type': 'application/json' } : {}),
      },
      body: body ? JSON.stringify(body) : undefined,
    });
    const text = await response.text();
    if (!response.ok) throw new Error(`${method} ${path}: ${response.status} ${text}`);
    return text ? JSON.parse(text) : undefined;
  }
  const project = '/v1/projects/default';
  return {
    call,
    createCluster: (name, spec) => call('POST', `${project}/clusters`, { name, spec }),
    getCluster: (name) => call('GET', `${project}/clusters/${name}`),
    getOperation: (id) => call('GET', `${project}/operations/${id}`),
    scale: (cluster, pool, replicas) =>
      call('POST', `${project}/clusters/${cluster}/nodePools/${pool}/scale`, { replicas }),
    /** Polls an operation until it finishes; returns it and the time it was seen finished. */
    async waitOperation(id, { timeoutMs = 90_000, pollMs = 20 } = {}) {
      const deadline = Date.now() + timeoutMs;
      for (;;) {
        const op = await call('GET', `${project}/operations/${id}`);
        if (['Succeeded', 'Failed', 'Cancelled'].includes(op.status)) {
          if (op.status !== 'Succeeded') throw new Error(`operation ${id} ${op.status}`);
          return { op, seenAt: performance.now() };
        }
        if (Date.now() > deadline) throw new Error(`operation ${id} not finished in time`);
        await sleep(pollMs);
      }
    },
  };
}

/** Runs fn over items with at most `limit` in flight. */
export async function pool(items, limit, fn) {
  const results = new Array(items.length);
  let next = 0;
  const lanes = Array.from({ length: Math.min(limit, items.length) }, async () => {
    while (next < items.length) {
      const i = next++;
      results[i] = await fn(items[i], i);
    }
  });
  await Promise.all(lanes);
  return results;
}

export function median(values) {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2;
}

export const fmt = (n, digits = 2) => Number(n).toFixed(digits);

/** Prints a goal line: PASS/MISS, never fails the run. */
export function goal(label, value, ok, target) {
  console.log(`GOAL ${ok ? 'PASS' : 'MISS'}  ${label}: ${value} (goal ${target})`);
  return ok;
}
