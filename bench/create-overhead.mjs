// Wall time of a cluster create against the provider's critical path.
// Usage: node bench/create-overhead.mjs [--provider fake|kwok] [--repeats 3] [--boot 2] [--pool 3]
//   fake: the critical path is the simulated delays, infrastructure (boot/2) + control plane
//   boot + pool boot.
//   kwok: the infrastructure is a real control plane (etcd, kube-apiserver, controller manager,
//   scheduler, kwok), so its floor is measured: before each create, the same kwokctl call the
//   provider makes (same binaries, same configuration) is timed on its own; the critical path
//   is that time + the control-plane machine's boot + the pool's boot.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { args, client, fmt, goal, median, onCleanup, run, startKaas, uniqueId } from './lib.mjs';

const opts = args({ provider: 'fake', repeats: 3, boot: 2, pool: 3 });
const KWOK = opts.provider === 'kwok';
if (!['fake', 'kwok'].includes(opts.provider)) throw new Error('--provider is fake or kwok');

function stepTimes(op) {
  return op.steps
    .map((s) => {
      const ms =
        s.startedAt && s.finishedAt ? Date.parse(s.finishedAt) - Date.parse(s.startedAt) : NaN;
      return `${s.name} ${Number.isNaN(ms) ? '-' : `${fmt(ms / 1000, 2)}s`}`;
    })
    .join(', ');
}

/** Times the kwokctl create the kwok provider makes for a cluster, on its own; then deletes it. */
async function kwokControlPlaneSeconds(version, index) {
  const { Kwokctl } = await import('../dist/providers/kwok/kwokctl.js');
  const { KubernetesTools } = await import('../dist/providers/kwok/kubernetes-tools.js');
  const { KWOK_ANNOTATED_NODES_ONLY } = await import('../dist/providers/kwok/node-template.js');
  const workdir = mkdtempSync(join(tmpdir(), 'kaas-bench-kwokctl-'));
  const kwokctl = new Kwokctl(new KubernetesTools(), workdir);
  const name = `floor-${index}`;
  try {
    const t0 = performance.now();
    await kwokctl.create(name, version, 180_000, KWOK_ANNOTATED_NODES_ONLY);
    return (performance.now() - t0) / 1000;
  } finally {
    await kwokctl.delete(name);
    rmSync(workdir, { recursive: true, force: true });
  }
}

async function main() {
  const dataDir = KWOK ? mkdtempSync(join(tmpdir(), 'kaas-bench-create-')) : undefined;
  if (dataDir) onCleanup(async () => rmSync(dataDir, { recursive: true, force: true }));
  const kaas = await startKaas('all', {
    KAAS_QUEUE_PREFIX: uniqueId('kaasbench'),
    ...(KWOK
      ? {
          KAAS_DATA_DIR: dataDir,
          KAAS_PROVIDERS: 'kwok',
          KAAS_KWOK_BOOT_SECONDS: String(opts.boot),
        }
      : {
          KAAS_EMBEDDED_IN_MEMORY: 'true',
          KAAS_FAKE_BOOT_SECONDS: String(opts.boot),
          KAAS_FAKE_DELETE_SECONDS: '0',
        }),
  });
  const api = client(kaas.url);
  console.log(
    KWOK
      ? `critical path: kwokctl's own create of the control plane (measured before each run) + control plane ${opts.boot} s + pool ${opts.boot} s; shared noisy 2-core machine`
      : `critical path ${opts.boot * 2.5} s (infrastructure ${opts.boot / 2} s + control plane ${opts.boot} s + pool ${opts.boot} s); shared noisy 2-core machine`,
  );
  const ratios = [];
  const walls = [];
  for (let i = 0; i < opts.repeats; i++) {
    let version;
    let floor = opts.boot * 2.5;
    let infrastructure = opts.boot / 2;
    const spec = {
      provider: opts.provider,
      controlPlane: { replicas: 1 },
      nodePools: [{ name: 'workers', replicas: opts.pool }],
      ...(KWOK ? { addons: { 'load-balancer': { enabled: false } } } : {}),
    };
    if (KWOK) {
      // The version the provider will run, as the create resolves it.
      const resolved = await api.call('POST', '/v1/projects/default/clusters?dryRun=true', {
        name: `overhead-${i}`,
        spec,
      });
      version = resolved.spec.kubernetesVersion;
      infrastructure = await kwokControlPlaneSeconds(version, i);
      floor = infrastructure + opts.boot * 2;
    }
    const t0 = performance.now();
    const op = await api.createCluster(`overhead-${i}`, spec);
    const { op: done, seenAt } = await api.waitOperation(op.id, {
      timeoutMs: 240_000,
      pollMs: 50,
    });
    const wall = (seenAt - t0) / 1000;
    const server = (Date.parse(done.finishedAt) - Date.parse(done.createdAt)) / 1000;
    ratios.push(wall / floor);
    walls.push(wall);
    console.log(
      `run ${i + 1}: wall ${fmt(wall, 3)} s (server ${fmt(server, 3)} s); critical path ${fmt(floor, 3)} s` +
        `${KWOK ? ` (kwokctl ${fmt(infrastructure, 3)} s, v${version})` : ''}  ratio ${fmt(wall / floor, 3)}  [${stepTimes(done)}]`,
    );
    if (KWOK) {
      // No kwok control plane outlives the run, and the next one starts on a quiet machine.
      const deletion = await api.call('DELETE', `/v1/projects/default/clusters/overhead-${i}`);
      await api.waitOperation(deletion.id, { timeoutMs: 120_000 });
    }
  }
  const m = median(ratios);
  console.log(`median overhead ratio ${fmt(m, 3)} (median wall ${fmt(median(walls), 3)} s)`);
  goal(`create overhead ratio on ${opts.provider} (median)`, fmt(m, 3), m <= 1.05, '<= 1.05');
}

run(main);
