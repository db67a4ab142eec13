// Fails when openapi/openapi.json or the generated SDK differ from what the code generates.
import { execFileSync } from 'node:child_process';

const run = (cmd, args) => execFileSync(cmd, args, { stdio: 'inherit' });
run('npm', ['run', '--silent', 'openapi']);
const changed = execFileSync('git', ['status', '--porcelain', '--', 'openapi', 'sdk/src/gen'], {
  encoding: 'utf8',
}).trim();
if (changed) {
  console.error(`kaas: generated files are stale; run "npm run openapi" and commit:\n${changed}`);
  execFileSync('git', ['--no-pager', 'diff', '--stat', '--', 'openapi', 'sdk/src/gen'], {
    stdio: 'inherit',
  });
  process.exit(1);
}
console.log('kaas: openapi/openapi.json and the SDK are up to date');
