// Scale-out parallelism: time to scale a pool 0 -> 50 against 0 -> 1 on a Running cluster.
// Usage: node bench/parallelism.mjs [--big 50] [--boot 2]
import { performance } from 'node:perf_hooks';
import { args, client, fmt, goal, run, startKaas, uniqueId } from './lib.mjs';

const opts = args({ big: 50, boot: 2 });

async function timeScale(api, cluster, pool, replicas) {
  const t0 = performance.now();
  const op = await api.scale(cluster, pool, replicas);
  const { seenAt } = await api.waitOperation(op.id, { timeoutMs: 90_000 });
  const s = (seenAt - t0) / 1000;
  console.log(`scale ${pool} 0 -> ${replicas}: ${fmt(s, 3)} s`);
  return s;
}

async function main() {
  const kaas = await startKaas('all', {
    KAAS_EMBEDDED_IN_MEMORY: 'true',
    KAAS_QUEUE_PREFIX: uniqueId('kaasbench'),
    KAAS_FAKE_BOOT_SECONDS: String(opts.boot),
    KAAS_FAKE_DELETE_SECONDS: '0',
    KAAS_QUOTA_NODES: '1000',
  });
  const api = client(kaas.url);
  const created = await api.createCluster('parallel', {
    provider: 'fake',
    nodePools: [
      { name: 'small', replicas: 0 },
      { name: 'big', replicas: 0 },
    ],
  });
  await api.waitOperation(created.id, { timeoutMs: 60_000 });
  console.log(`fake boot ${opts.boot} s; shared noisy 2-core machine`);
  const one = await timeScale(api, 'parallel', 'small', 1);
  const many = await timeScale(api, 'parallel', 'big', opts.big);
  const ratio = many / one;
  console.log(`ratio ${opts.big}-node / 1-node: ${fmt(ratio, 3)}`);
  goal(`${opts.big}-node vs 1-node scale time`, fmt(ratio, 3), ratio <= 1.2, '<= 1.2');
}

run(main);
