// Reconcile throughput on PostgreSQL: one api and 1, then 2 worker processes. N creates are fired
// as fast as possible while no worker runs (the API's accept rate), then the workers start and
// drain the queue: operations completed per second from the workers' start until all Succeeded.
// Usage: node bench/queue-throughput.mjs [--clusters 200] [--workers 1,2] [--timeout 50]
import { performance } from 'node:perf_hooks';
import pg from 'pg';
import {
  args,
  client,
  createDatabase,
  fmt,
  pool,
  run,
  sleep,
  startKaas,
  uniqueId,
} from './lib.mjs';

const opts = args({ clusters: 200, workers: '1,2', timeout: 50 });

async function measure(workers) {
  const database = await createDatabase();
  const env = {
    KAAS_DATABASE_URL: database.url,
    KAAS_QUEUE_PREFIX: uniqueId('kaasbench'),
    KAAS_FAKE_BOOT_SECONDS: '0',
    KAAS_FAKE_DELETE_SECONDS: '0',
    KAAS_WORKER_CONCURRENCY: '8',
  };
  const procs = [await startKaas('api', env)];
  const api = client(procs[0].url);
  const db = new pg.Client({ connectionString: database.url });
  await db.connect();
  try {
    const names = Array.from({ length: opts.clusters }, (_, i) => `q-${i}`);
    const tPost = performance.now();
    await pool(names, 16, (name) => api.createCluster(name, { provider: 'fake' }));
    const accepted = (performance.now() - tPost) / 1000;
    const started = await Promise.all(
      Array.from({ length: workers }, () => startKaas('worker', env)),
    );
    procs.push(...started);
    const t0 = performance.now();
    const deadline = Date.now() + opts.timeout * 1000;
    let succeeded = 0;
    for (;;) {
      const { rows } = await db.query(
        `select count(*) filter (where status = 'Succeeded')::int as ok,
                count(*) filter (where status in ('Failed','Cancelled'))::int as bad from operations`,
      );
      succeeded = rows[0].ok;
      if (rows[0].bad > 0) throw new Error(`${rows[0].bad} operations failed`);
      if (succeeded >= opts.clusters || Date.now() > deadline) break;
      await sleep(50);
    }
    const wall = (performance.now() - t0) / 1000;
    const { rows } = await db.query(
      'select extract(epoch from max(finished_at) - min(started_at))::float as s from operations',
    );
    const complete = succeeded >= opts.clusters;
    const rate = succeeded / wall;
    console.log(
      `${workers} worker(s): ${succeeded}/${opts.clusters} Succeeded ${fmt(wall, 2)} s after the ` +
        `workers listened (server first-start..last-finish ${fmt(rows[0].s, 2)} s) => ` +
        `${fmt(rate, 1)} ops/s${complete ? '' : '  (TIMED OUT)'};  API accepted the POSTs at ` +
        `${fmt(opts.clusters / accepted, 0)} creates/s`,
    );
    return rate;
  } finally {
    await db.end();
    for (const p of procs.reverse()) await p.stop();
  }
}

async function main() {
  console.log(
    `${opts.clusters} creates (no pools), fake boot 0 s, worker concurrency 8, PostgreSQL; ` +
      'shared noisy 2-core machine',
  );
  const counts = opts.workers.split(',').map(Number);
  const rates = [];
  for (const n of counts) rates.push(await measure(n));
  if (rates.length > 1)
    console.log(
      `scaling ${counts[0]} -> ${counts.at(-1)} workers: x${fmt(rates.at(-1) / rates[0], 2)}`,
    );
}

run(main);
