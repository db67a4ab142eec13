// Summarises a V8 .cpuprofile: self time by package/file and by function.
// Usage: node bench/profile-summary.mjs <file.cpuprofile> [top] [from-us to-us]
//   from-us, to-us: only the samples taken in this window, in microseconds of the monotonic
//   clock (what `process.hrtime.bigint() / 1000n` gives on the same machine), e.g. a load
//   phase without the process's start-up.
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

const IDLE = new Set(['(idle)', '(program)']);

function area(url, fn) {
  if (!url) return fn.startsWith('(') ? fn : '(native)';
  const pkg = /node_modules\/((?:@[^/]+\/)?[^/]+)/.exec(url);
  if (pkg) return pkg[1];
  const own = /\/dist\/(.+)$/.exec(url);
  if (own) return `kaas dist/${own[1]}`;
  if (url.startsWith('node:')) return url.split('/').slice(0, 2).join('/');
  return url;
}

/** Samples per node id, only those taken in [from, to] (µs, the profile's clock). */
function hitsIn(profile, from, to) {
  const hits = new Map();
  let at = profile.startTime;
  profile.samples.forEach((id, i) => {
    at += profile.timeDeltas[i];
    if (at >= from && at <= to) hits.set(id, (hits.get(id) ?? 0) + 1);
  });
  return hits;
}

export function summarise(file, top = 15, window = undefined) {
  const profile = JSON.parse(readFileSync(file, 'utf8'));
  const from = Math.max(profile.startTime, window?.from ?? 0);
  const to = Math.min(profile.endTime, window?.to ?? Infinity);
  const total = (to - from) / 1000;
  const hits = hitsIn(profile, from, to);
  const sampled = [...hits.values()].reduce((a, b) => a + b, 0);
  const perHit = total / Math.max(1, sampled);
  const byArea = new Map();
  const byFn = new Map();
  let busy = 0;
  for (const node of profile.nodes) {
    const { functionName, url, lineNumber } = node.callFrame;
    const name = functionName || '(anonymous)';
    const count = hits.get(node.id) ?? 0;
    if (!count || IDLE.has(name)) continue;
    const ms = count * perHit;
    busy += ms;
    const a = area(url, name);
    byArea.set(a, (byArea.get(a) ?? 0) + ms);
    const key = `${name}  ${a}:${lineNumber + 1}`;
    byFn.set(key, (byFn.get(key) ?? 0) + ms);
  }
  const print = (title, map) => {
    console.log(`  ${title}`);
    for (const [k, ms] of [...map].sort((x, y) => y[1] - x[1]).slice(0, top))
      console.log(`    ${((100 * ms) / busy).toFixed(1).padStart(5)} %  ${k}`);
  };
  console.log(
    `profile ${file}: ${(busy / 1000).toFixed(1)} s busy of ${(total / 1000).toFixed(1)} s`,
  );
  print('self time by package / file (% of busy)', byArea);
  print('self time by function (% of busy)', byFn);
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const [file, top, from, to] = process.argv.slice(2);
  summarise(
    file,
    Number(top ?? 15),
    from && to ? { from: Number(from), to: Number(to) } : undefined,
  );
}
