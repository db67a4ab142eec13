// The kind provider end to end on a machine with Docker and kind: starts `kaas all` with only
// the kind provider, then creates a cluster (a 1.37 control plane, one 1.36 worker), scales the
// pool to two, moves it to 1.37 (new containers replace the old ones one at a time), deletes
// the cluster and checks that Docker holds nothing of it. Minors resolve to the kindest/node
// images kaas pins (1.36.1 and 1.37.0 as shipped, or any KAAS_KIND_NODE_IMAGES adds), so no
// digest needs to be given. Run through `npm run check:kind`.
import { execFileSync, spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import process from 'node:process';

const PORT = process.env.KAAS_CHECK_PORT ?? '18080';
const BASE = `http://127.0.0.1:${PORT}/v1/projects/default`;
const TOKEN = `kaas_${randomBytes(24).toString('base64url')}`;
const NAME = `kind-check-${randomBytes(3).toString('hex')}`;
const STEP_TIMEOUT_MS = 15 * 60_000;

const dataDir = mkdtempSync(join(tmpdir(), 'kaas-kind-check-'));
const kaas = spawn(process.execPath, ['dist/main.js', 'all'], {
  env: {
    ...process.env,
    KAAS_PORT: PORT,
    KAAS_PROVIDERS: 'kind',
    KAAS_DATA_DIR: dataDir,
    KAAS_BOOTSTRAP_TOKEN: TOKEN,
    KAAS_LOG_LEVEL: process.env.KAAS_LOG_LEVEL ?? 'warn',
  },
  stdio: ['ignore', 'inherit', 'inherit'],
});

const log = (message) => console.log(`kind-check: ${message}`);
const kindName = (id) => `kaas-${id.replace(/-/g, '').slice(-12)}`;
let clusterId;

async function api(method, path, body) {
  const response = await fetch(`${BASE}${path}`, {
    method,
    headers: {
      authorization: `Bearer ${TOKEN}`,
      ...(body ? { 'content-type': 'application/json' } : {}),
    },
    ...(body ? { body: JSON.stringify(body) } : {}),
  });
  const text = await response.text();
  const parsed = text ? JSON.parse(text) : undefined;
  if (response.status >= 400) {
    throw new Error(`${method} ${path}: ${response.status} ${JSON.stringify(parsed)}`);
  }
  return parsed;
}

async function until(what, check) {
  const deadline = Date.now() + STEP_TIMEOUT_MS;
  for (;;) {
    try {
      const value = await check();
      if (value) return value;
    } catch (error) {
      if (Date.now() > deadline) throw error;
    }
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 2_000));
  }
}

async function finished(operation) {
  const done = await until(`operation ${operation.type}`, async () => {
    const op = await api('GET', `/operations/${operation.id}`);
    return ['Succeeded', 'Failed', 'Cancelled'].includes(op.status) ? op : undefined;
  });
  if (done.status !== 'Succeeded')
    throw new Error(`${done.type} ${done.status}: ${JSON.stringify(done.error)}`);
  log(`${done.type} succeeded`);
}

async function workers() {
  const { items } = await api('GET', `/clusters/${NAME}/machines`);
  return items.filter((m) => m.role === 'worker' && m.phase === 'Running');
}

async function main() {
  await until('kaas to answer', () => api('GET', '/clusters'));
  const pool = { name: 'workers', replicas: 1, version: '1.36' };
  // The provider's own lifecycle is what this checks; KAAS_CHECK_ADDONS=1 installs MetalLB too.
  const addons =
    process.env.KAAS_CHECK_ADDONS === '1' ? {} : { 'load-balancer': { enabled: false } };
  const spec = { provider: 'kind', kubernetesVersion: '1.37', nodePools: [pool], addons };
  await finished(await api('POST', '/clusters', { name: NAME, spec }));
  const { id, spec: created } = await api('GET', `/clusters/${NAME}`);
  clusterId = id;
  const version = created.kubernetesVersion;
  log(`cluster on Kubernetes ${version}, workers on ${created.nodePools[0].version}`);

  await finished(
    await api('PATCH', `/clusters/${NAME}`, { spec: { nodePools: [{ ...pool, replicas: 2 }] } }),
  );
  if ((await workers()).length !== 2) throw new Error('the pool did not reach two workers');

  await finished(
    await api('PATCH', `/clusters/${NAME}`, {
      spec: { nodePools: [{ ...pool, replicas: 2, version }] },
    }),
  );
  const upgraded = await workers();
  if (upgraded.length !== 2 || upgraded.some((m) => m.version !== version)) {
    throw new Error(`workers after the upgrade: ${JSON.stringify(upgraded)}`);
  }

  await finished(await api('DELETE', `/clusters/${NAME}`));
  const left = execFileSync(
    'docker',
    ['ps', '--all', '--quiet', '--filter', `label=dev.kaas.cluster-id=${id}`],
    {
      encoding: 'utf8',
    },
  ).trim();
  const clusters = execFileSync('kind', ['get', 'clusters'], { encoding: 'utf8' });
  if (left || clusters.split('\n').includes(kindName(id))) {
    throw new Error(`left behind: containers [${left}], kind clusters [${clusters.trim()}]`);
  }
  log('create, scale, worker upgrade and delete passed; nothing left in Docker');
}

/** After a failure: what the check made goes, so a second run starts clean. */
function removeLeftovers(id) {
  const attempt = (command, args) => {
    try {
      return execFileSync(command, args, { encoding: 'utf8' });
    } catch (error) {
      console.error(`kind-check: cleanup: ${command} ${args[0]} failed: ${error.message}`);
      return '';
    }
  };
  attempt('kind', ['delete', 'cluster', '--name', kindName(id)]);
  const left = attempt('docker', [
    'ps',
    '--all',
    '--quiet',
    '--filter',
    `label=dev.kaas.cluster-id=${id}`,
  ])
    .split('\n')
    .filter(Boolean);
  if (left.length > 0) attempt('docker', ['rm', '--force', '--volumes', ...left]);
}

let code = 0;
try {
  await main();
} catch (error) {
  console.error(`kind-check: FAILED: ${error instanceof Error ? error.message : String(error)}`);
  code = 1;
  if (clusterId) removeLeftovers(clusterId);
} finally {
  kaas.kill('SIGTERM');
  await new Promise((resolve) => kaas.once('exit', resolve));
  rmSync(dataDir, { recursive: true, force: true });
}
process.exit(code);
