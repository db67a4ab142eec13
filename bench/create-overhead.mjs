// Wall time of a cluster create against the fake provider's critical path.
// Usage: node bench/create-overhead.mjs [--repeats 3] [--boot 2] [--pool 3]
import { performance } from 'node:perf_hooks';
import { args, client, fmt, goal, median, run, startKaas, uniqueId } from './lib.mjs';

const opts = args({ repeats: 3, boot: 2, pool: 3 });
// infrastructure (boot/2) + control plane boot + pool boot
const CRITICAL_S = opts.boot / 2 + opts.boot + opts.boot;

function stepTimes(op) {
  return op.steps
    .map((s) => {
      const ms =
        s.startedAt && s.finishedAt ? Date.parse(s.finishedAt) - Date.parse(s.startedAt) : NaN;
      return `${s.name} ${Number.isNaN(ms) ? '-' : `${fmt(ms / 1000, 2)}s`}`;
    })
    .join(', ');
}

async function main() {
  const kaas = await startKaas('all', {
    KAAS_EMBEDDED_IN_MEMORY: 'true',
    KAAS_QUEUE_PREFIX: uniqueId('kaasbench'),
    KAAS_FAKE_BOOT_SECONDS: String(opts.boot),
    KAAS_FAKE_DELETE_SECONDS: '0',
  });
  const api = client(kaas.url);
  console.log(
    `critical path ${CRITICAL_S} s (infrastructure ${opts.boot / 2} s + control plane ${opts.boot} s + pool ${opts.boot} s); ` +
      'shared noisy 2-core machine',
  );
  const ratios = [];
  for (let i = 0; i < opts.repeats; i++) {
    const t0 = performance.now();
    const op = await api.createCluster(`overhead-${i}`, {
      provider: 'fake',
      controlPlane: { replicas: 1 },
      nodePools: [{ name: 'workers', replicas: opts.pool }],
    });
    const { op: done, seenAt } = await api.waitOperation(op.id, { timeoutMs: 60_000 });
    const wall = (seenAt - t0) / 1000;
    const server = (Date.parse(done.finishedAt) - Date.parse(done.createdAt)) / 1000;
    ratios.push(wall / CRITICAL_S);
    console.log(
      `run ${i + 1}: wall ${fmt(wall, 3)} s (server ${fmt(server, 3)} s)  ratio ${fmt(wall / CRITICAL_S, 3)}  [${stepTimes(done)}]`,
    );
  }
  const m = median(ratios);
  console.log(`median overhead ratio ${fmt(m, 3)} (wall ${fmt(m * CRITICAL_S, 3)} s)`);
  goal('create overhead ratio (median)', fmt(m, 3), m <= 1.05, '<= 1.05');
}

run(main);
