// Summarises a V8 .cpuprofile: self time by package/file and by function.
// Usage: node bench/profile-summary.mjs <file.cpuprofile> [top]
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

export function summarise(file, top = 15) {
  const profile = JSON.parse(readFileSync(file, 'utf8'));
  const total = (profile.endTime - profile.startTime) / 1000;
  const perHit = total / Math.max(1, profile.samples.length);
  const byArea = new Map();
  const byFn = new Map();
  let busy = 0;
  for (const node of profile.nodes) {
    const { functionName, url, lineNumber } = node.callFrame;
    const name = functionName || '(anonymous)';
    if (!node.hitCount || IDLE.has(name)) continue;
    const ms = node.hitCount * perHit;
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
  summarise(process.argv[2], Number(process.argv[3] ?? 15));
}
