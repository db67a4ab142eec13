// Rolling upgrade duration and auto-repair MTTR on kwok, each against its theoretical minimum.
// Usage: node bench/upgrade-repair.mjs [--pool 3] [--boot 2] [--timeout 5]
//   upgrade: a 1.36 cluster (1 control-plane machine, a pool of --pool with maxSurge 1) moved
//   to 1.37. Floor: the control plane's restart on the new binaries (measured) + one boot per
//   replacement round (1 for the control plane, --pool for the pool at surge 1).
//   repair: one worker's heartbeats stopped; MTTR = fault → Repair Operation Succeeded. Floor:
//   the NotReady timeout + one boot.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { KubeConfig, CoreV1Api, PatchStrategy, setHeaderOptions } from '@kubernetes/client-node';
import { args, client, fmt, onCleanup, run, sleep, startKaas, uniqueId } from './lib.mjs';

const opts = args({ pool: 3, boot: 2, timeout: 5 });

function stepSeconds(op, name) {
  const step = op.steps.find((s) => s.name === name);
  return step?.startedAt && step?.finishedAt
    ? (Date.parse(step.finishedAt) - Date.parse(step.startedAt)) / 1000
    : NaN;
}

async function main() {
  const dataDir = mkdtempSync(join(tmpdir(), 'kaas-bench-upgrade-'));
  onCleanup(async () => rmSync(dataDir, { recursive: true, force: true }));
  const kaas = await startKaas('all', {
    KAAS_DATA_DIR: dataDir,
    KAAS_PROVIDERS: 'kwok',
    KAAS_KWOK_BOOT_SECONDS: String(opts.boot),
    KAAS_QUEUE_PREFIX: uniqueId('kaasbench'),
  });
  const api = client(kaas.url);
  console.log(
    `kwok, boot ${opts.boot} s, pool ${opts.pool} (maxSurge 1), NotReady timeout ${opts.timeout} s; shared noisy 2-core machine`,
  );
  const created = await api.createCluster('roll', {
    provider: 'kwok',
    kubernetesVersion: '1.36',
    nodePools: [{ name: 'w', replicas: opts.pool, upgrade: { maxSurge: 1, maxUnavailable: 0 } }],
    addons: { 'load-balancer': { enabled: false } },
    autoRepair: { notReadyTimeoutSeconds: opts.timeout },
  });
  await api.waitOperation(created.id, { timeoutMs: 240_000, pollMs: 100 });

  const t0 = Date.now();
  const upgrade = await api.call('PATCH', '/v1/projects/default/clusters/roll', {
    spec: { kubernetesVersion: '1.37' },
  });
  const { op: upgraded } = await api.waitOperation(upgrade.id, { timeoutMs: 600_000, pollMs: 100 });
  const wall = (Date.now() - t0) / 1000;
  const restart = stepSeconds(upgraded, 'control-plane/restart');
  const floor = restart + (1 + opts.pool) * opts.boot;
  console.log(
    `upgrade 1.36 -> 1.37: ${fmt(wall, 1)} s; floor ${fmt(floor, 1)} s (restart ${fmt(restart, 1)} s + ${1 + opts.pool} rounds x ${opts.boot} s boot) => ratio ${fmt(wall / floor, 2)}`,
  );

  const { kubeconfig } = await api.call('GET', '/v1/projects/default/clusters/roll/kubeconfig');
  const config = new KubeConfig();
  config.loadFromString(kubeconfig);
  const core = config.makeApiClient(CoreV1Api);
  const machines = await api.call('GET', '/v1/projects/default/clusters/roll/machines?pool=w');
  const victim = machines.items[0];
  const merge = setHeaderOptions('Content-Type', PatchStrategy.MergePatch);
  await core.patchNode(
    { name: victim.nodeName, body: { metadata: { annotations: { 'kwok.x-k8s.io/node': null } } } },
    merge,
  );
  const brokeAt = Date.now();
  const now = new Date(brokeAt);
  await core.patchNodeStatus(
    {
      name: victim.nodeName,
      body: {
        status: {
          conditions: [
            {
              type: 'Ready',
              status: 'False',
              reason: 'KubeletNotReady',
              message: 'benchmark fault',
              lastHeartbeatTime: now,
              lastTransitionTime: now,
            },
          ],
        },
      },
    },
    merge,
  );
  let repair;
  for (const deadline = Date.now() + 120_000; !repair; await sleep(100)) {
    const ops = await api.call('GET', '/v1/projects/default/operations?cluster=roll&limit=100');
    repair = ops.items.find((o) => o.type === 'Repair');
    if (Date.now() > deadline) throw new Error('no repair asked for within 120 s');
  }
  const asked = (Date.parse(repair.createdAt) - brokeAt) / 1000;
  const { op: repaired } = await api.waitOperation(repair.id, { timeoutMs: 240_000, pollMs: 100 });
  const mttr = (Date.parse(repaired.finishedAt) - brokeAt) / 1000;
  const repairFloor = opts.timeout + opts.boot;
  console.log(
    `repair: asked ${fmt(asked, 1)} s after the fault (timeout ${opts.timeout} s); MTTR ${fmt(mttr, 1)} s; floor ${repairFloor} s (timeout + boot) => ratio ${fmt(mttr / repairFloor, 2)}`,
  );
  // Deleted before kaas stops, so that no kwok process outlives the benchmark.
  const deletion = await api.call('DELETE', '/v1/projects/default/clusters/roll');
  await api.waitOperation(deletion.id, { timeoutMs: 120_000, pollMs: 200 });
}

run(main);
