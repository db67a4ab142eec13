// Cost of the two queries behind every GET /clusters/{name} (project by name, cluster by name),
// in process through the built repositories, on PGlite in memory and on PostgreSQL.
// Usage: node bench/db-reads.mjs [--iterations 2000] [--concurrency 32]
import { performance } from 'node:perf_hooks';
import { args, createDatabase, fmt, median, run } from './lib.mjs';

const opts = args({ iterations: 2000, concurrency: 32 });
const { openDatabase } = await import('../dist/persistence/database.js');
const { repositories } = await import('../dist/persistence/repositories.js');
const { uuidv7 } = await import('../dist/domain/ids.js');
const { clusterSpecSchema, initialStatus } = await import('../dist/domain/cluster.js');

async function seed(repos) {
  const project = await repos.projects.insert({
    id: uuidv7(),
    name: 'default',
    displayName: 'Default',
    quotaClusters: 1000,
    quotaNodes: 1000,
  });
  const spec = clusterSpecSchema.parse({
    provider: 'fake',
    nodePools: [{ name: 'w', replicas: 2 }],
  });
  for (let i = 0; i < 100; i++)
    await repos.clusters.insert({
      id: uuidv7(),
      projectId: project.id,
      name: `c${i}`,
      spec,
      status: initialStatus(),
    });
  return project;
}

async function measure(label, handle) {
  const repos = repositories(handle.db);
  const project = await seed(repos);
  const once = async (i) => {
    const p = await repos.projects.findByName('default');
    await repos.clusters.findLiveByName(p.id, `c${i % 100}`);
  };
  for (let i = 0; i < 200; i++) await once(i); // warm-up
  const serial = [];
  for (let i = 0; i < opts.iterations; i++) {
    const t = performance.now();
    await once(i);
    serial.push(performance.now() - t);
  }
  let next = 0;
  const t0 = performance.now();
  await Promise.all(
    Array.from({ length: opts.concurrency }, async () => {
      while (next < opts.iterations) await once(next++);
    }),
  );
  const rate = opts.iterations / ((performance.now() - t0) / 1000);
  console.log(
    `${label.padEnd(22)} serial median ${fmt(median(serial), 3)} ms per GET (2 queries)   ` +
      `${opts.concurrency} concurrent: ${fmt(rate, 0)} GETs/s   (project ${project.name})`,
  );
  await handle.close();
}

async function main() {
  await measure('PGlite in memory', await openDatabase({ inMemory: true }));
  const database = await createDatabase();
  await measure('PostgreSQL (pool 10)', await openDatabase({ url: database.url, poolSize: 10 }));
}

run(main);
