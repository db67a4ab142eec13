// Runs every benchmark one after the other; --quick uses small sizes (about 2 minutes in all).
// Exits non-zero only when a benchmark fails to run; missed goals are reported, not asserted.
import { spawn } from 'node:child_process';
import { performance } from 'node:perf_hooks';
import { fileURLToPath } from 'node:url';

const quick = process.argv.includes('--quick');
const ROOT = fileURLToPath(new URL('../', import.meta.url));

const BENCHES = [
  ['api-reads.mjs', quick ? ['--clusters', '20', '--duration', '3', '--rounds', '2'] : []],
  ['create-overhead.mjs', quick ? ['--repeats', '1'] : []],
  ['create-overhead.mjs', ['--provider', 'kwok', ...(quick ? ['--repeats', '1'] : [])]],
  ['parallelism.mjs', quick ? ['--big', '10'] : []],
  ['queue-throughput.mjs', quick ? ['--clusters', '40'] : []],
  ['db-reads.mjs', quick ? ['--iterations', '300'] : []],
  ['upgrade-repair.mjs', quick ? ['--pool', '2', '--boot', '1'] : []],
  // A whole worker, a kaas monitor (each watching every cluster: the goal's), then the watches
  // alone (what they cost).
  ...['worker', 'monitor', 'watches'].map((process) => [
    'health-monitor.mjs',
    [
      '--process',
      process,
      ...(quick ? ['--clusters', '20', '--settle', '3', '--faults', '2', '--timeout', '3'] : []),
    ],
    // Creating 1,000 clusters and 20,000 nodes and starting 1,000 watches takes minutes.
    quick ? 150_000 : 1_200_000,
  ]),
];

function runOne(file, argv, timeoutMs = 150_000) {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, [`bench/${file}`, ...argv], {
      cwd: ROOT,
      stdio: 'inherit',
    });
    // Bound each benchmark in time; a hung one counts as failed.
    const timer = globalThis.setTimeout(() => child.kill('SIGTERM'), timeoutMs);
    child.on('exit', (code, signal) => {
      globalThis.clearTimeout(timer);
      resolve(code === 0 && !signal ? 0 : 1);
    });
  });
}

const failed = [];
const lines = [];
for (const [file, argv, timeoutMs] of BENCHES) {
  console.log(`\n=== ${file} ${argv.join(' ')}`);
  const t0 = performance.now();
  const code = await runOne(file, argv, timeoutMs);
  const s = ((performance.now() - t0) / 1000).toFixed(1);
  lines.push(`${code === 0 ? 'ok    ' : 'FAILED'} ${[file, ...argv].join(' ')} (${s} s)`);
  if (code !== 0) failed.push(file);
}
console.log(`\n${lines.join('\n')}`);
process.exit(failed.length ? 1 : 0);
