// Read throughput of the API against a bare NestJS + Fastify endpoint of the same framework.
// Usage: node bench/api-reads.mjs [--clusters 100] [--duration 10] [--connections 32]
//        [--rate 1000] [--rounds 3] [--profile] [--postgres]
//   --rounds: the single GET and the bare GET are measured alternately this many times, and
//   the ratio is the median of the rounds' ratios (one pair alone moves by ±20 % here).
//   --profile: CPU-profile kaas (setup included) and summarise; --postgres: a fresh PostgreSQL
//   database instead of the embedded in-memory one. The fixed rate is sent by the open-loop
//   generator (bench/open-loop.mjs, a process of its own); the bare endpoint is also run at it,
//   as a reference for what the machine itself adds to the tail latency.
import { mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import autocannon from 'autocannon';
import {
  args,
  client,
  createDatabase,
  fmt,
  freePort,
  goal,
  median,
  onCleanup,
  pool,
  run,
  sleep,
  startKaas,
  startProcess,
  TOKEN,
  uniqueId,
} from './lib.mjs';
import { loadAtFixedRate } from './open-loop.mjs';
import { summarise } from './profile-summary.mjs';

const opts = args({
  clusters: 100,
  duration: 10,
  connections: 32,
  rate: 1000,
  rounds: 3,
  profile: false,
  postgres: false,
});

async function cannon(url, extra = {}) {
  const result = await autocannon({
    url,
    connections: opts.connections,
    duration: opts.duration,
    headers: { authorization: `Bearer ${TOKEN}` },
    ...extra,
  });
  const bad = result.non2xx + result.errors + result.timeouts;
  if (bad > 0) throw new Error(`${url}: ${bad} failed requests (non2xx/errors/timeouts)`);
  return {
    rps: result.requests.average,
    p50: result.latency.p50,
    p99: result.latency.p99,
    total: result.requests.total,
  };
}

async function measure(label, url, { warmUp = true } = {}) {
  if (warmUp) await cannon(url, { duration: Math.min(2, opts.duration) }); // not counted
  const r = await cannon(url);
  console.log(
    `${label.padEnd(34)} ${fmt(r.rps, 0).padStart(7)} req/s   p50 ${r.p50} ms   p99 ${r.p99} ms`,
  );
  return r;
}

async function createClusters(api, count) {
  const names = Array.from({ length: count }, (_, i) => `bench-${String(i).padStart(3, '0')}`);
  await pool(names, 8, (name) =>
    api.createCluster(name, {
      provider: 'fake',
      labels: { team: 'bench', env: 'perf' },
      nodePools: [{ name: 'workers', replicas: 2 }],
    }),
  );
  const deadline = Date.now() + 90_000;
  for (;;) {
    const page = await api.call(
      'GET',
      `/v1/projects/default/clusters?limit=${Math.min(count, 100)}`,
    );
    const running = page.items.filter((c) => c.status.phase === 'Running').length;
    if (running >= Math.min(count, 100)) return names;
    if (Date.now() > deadline) throw new Error(`only ${running}/${count} clusters Running`);
    await sleep(250);
  }
}

async function main() {
  const profileDir = opts.profile ? mkdtempSync(join(tmpdir(), 'kaas-prof-')) : undefined;
  if (profileDir) onCleanup(async () => rmSync(profileDir, { recursive: true, force: true }));
  const database = opts.postgres
    ? { KAAS_DATABASE_URL: (await createDatabase()).url }
    : { KAAS_EMBEDDED_IN_MEMORY: 'true' };
  console.log(`database: ${opts.postgres ? 'PostgreSQL 127.0.0.1:55432' : 'PGlite in memory'}`);
  const kaas = await startKaas(
    'all',
    {
      ...database,
      KAAS_QUEUE_PREFIX: uniqueId('kaasbench'),
      KAAS_FAKE_BOOT_SECONDS: '0',
      KAAS_FAKE_DELETE_SECONDS: '0',
    },
    profileDir ? ['--cpu-prof', `--cpu-prof-dir=${profileDir}`] : [],
  );
  const api = client(kaas.url);
  const t0 = Date.now();
  const names = await createClusters(api, opts.clusters);
  console.log(`setup: ${names.length} clusters Running in ${fmt((Date.now() - t0) / 1000, 1)} s`);

  const one = await api.getCluster(names[Math.floor(names.length / 2)]);
  const bodyDir = mkdtempSync(join(tmpdir(), 'kaas-bare-'));
  onCleanup(async () => rmSync(bodyDir, { recursive: true, force: true }));
  const bodyFile = join(bodyDir, 'body.json');
  writeFileSync(bodyFile, JSON.stringify(one));
  const barePort = await freePort();
  await startProcess(
    'bare app',
    ['bench/bare-app.mjs'],
    { BARE_PORT: String(barePort), BARE_BODY_FILE: bodyFile },
    'bare listening on',
  );
  console.log(`document size: ${JSON.stringify(one).length} bytes (kaas and bare return the same)`);
  console.log(
    `autocannon: ${opts.connections} connections, ${opts.duration} s per run, 127.0.0.1; ` +
      'shared noisy 2-core machine',
  );

  const singleUrl = `${kaas.url}/v1/projects/default/clusters/${one.name}`;
  const bareUrl = `http://127.0.0.1:${barePort}/v1/bare/x`;
  const rounds = [];
  for (let round = 1; round <= Math.max(1, opts.rounds); round++) {
    // Each process is warmed up once, in the first round; later rounds measure at once.
    const warmUp = round === 1;
    const single = await measure(`kaas GET cluster (round ${round})`, singleUrl, { warmUp });
    const bare = await measure(`bare NestJS+Fastify GET (round ${round})`, bareUrl, { warmUp });
    rounds.push({ single, bare, ratio: single.rps / bare.rps });
  }
  const list = await measure(
    `kaas GET clusters?limit=${Math.min(opts.clusters, 100)}`,
    `${kaas.url}/v1/projects/default/clusters?limit=${Math.min(opts.clusters, 100)}`,
  );
  // Latency at a fixed rate comes from the open-loop generator in its own process: autocannon's
  // rate mode sends in bursts and measures from the actual send, and put the bare endpoint's
  // p99 at 10–48 ms on this machine where the open-loop generator measures 1–2 ms.
  const atRate = (url) =>
    loadAtFixedRate({
      url,
      rate: opts.rate,
      duration: opts.duration,
      connections: opts.connections,
      headers: { authorization: `Bearer ${TOKEN}` },
    });
  const fixedLine = (label, r) =>
    console.log(
      `${label} at ${opts.rate} req/s fixed (open loop): ${fmt(r.rate, 0)} req/s achieved   ` +
        `p50 ${r.p50} ms   p90 ${r.p90} ms   p99 ${r.p99} ms   p99.9 ${r.p999} ms   max ${r.max} ms   ` +
        `(${r.bytes} bytes per answer)`,
    );
  const fixed = await atRate(singleUrl);
  if (fixed.failed > 0) throw new Error(`${fixed.failed} answers other than 200 at the fixed rate`);
  fixedLine('kaas GET cluster', fixed);
  // The machine's own latency floor: the bare endpoint under the same fixed rate (no goal).
  const bareFixed = await atRate(bareUrl);
  fixedLine('bare GET (reference)', bareFixed);

  const ratio = median(rounds.map((r) => r.ratio));
  const bareMedian = median(rounds.map((r) => r.bare.rps));
  console.log(
    `ratio kaas single GET / bare, per round: ${rounds.map((r) => `${fmt(r.ratio * 100, 1)} %`).join(', ')}; median ${fmt(ratio * 100, 1)} %`,
  );
  console.log(
    `ratio kaas list(${Math.min(opts.clusters, 100)}) / bare (median of the rounds): ${fmt((list.rps / bareMedian) * 100, 1)} %`,
  );
  goal(
    'single GET throughput vs bare (median of the rounds)',
    `${fmt(ratio * 100, 1)} %`,
    ratio >= 0.6,
    '>= 60 %',
  );
  goal(`p99 at ${opts.rate} req/s`, `${fixed.p99} ms`, fixed.p99 <= 10, '<= 10 ms');

  if (profileDir) {
    await kaas.stop(); // SIGTERM: node writes the profile on a clean exit
    const file = readdirSync(profileDir).find((f) => f.endsWith('.cpuprofile'));
    if (file) summarise(join(profileDir, file), 20);
    else console.log('no CPU profile written');
  }
}

run(main);
