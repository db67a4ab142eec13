#!/usr/bin/env bash
# The one command that passes the tests on a fresh Debian machine: Node.js 24, npm
# dependencies, Redis and PostgreSQL (installed with apt-get when missing, started privately),
# a build, then every test tier. Extra arguments go to jest (e.g. --selectProjects unit).
set -euo pipefail
cd "$(dirname "$0")/.."
. scripts/lib.sh

ensure_node
ensure_dependencies
mkdir -p test-artifacts
bash scripts/services.sh redis postgres
# The openstack tier runs against the real testbed in ../shared/openstack-testbed.
bash scripts/services.sh openstack
# Kubernetes binaries for the kwok tier: built once from the Go module proxy, then cached.
bash scripts/build-k8s-tools.sh > test-artifacts/build-k8s-tools.log 2>&1 || {
  tail -30 test-artifacts/build-k8s-tools.log; log "building the Kubernetes binaries failed"; exit 1
}
npm run --silent build
# The console's end-to-end test drives Debian's Chromium against a fresh build.
[ -x /usr/bin/chromium ] || apt_install chromium
npm run --silent web:build > test-artifacts/web-build.log 2>&1 || { cat test-artifacts/web-build.log; exit 1; }

status=0
# Bounded: a hung run must fail here, not eat the whole CI budget.
NODE_OPTIONS=--experimental-vm-modules timeout 2400 npx jest --ci --maxWorkers=2 --forceExit \
  --json --outputFile=test-artifacts/jest.json "$@" || status=$?

# A plain closing line any CI can read, from jest's own report.
node -e '
  const r = JSON.parse(require("fs").readFileSync("test-artifacts/jest.json", "utf8"));
  // Failures again, briefly, where a truncated CI log still shows them: its end.
  for (const suite of r.testResults) {
    const failed = suite.assertionResults.filter((a) => a.status === "failed");
    if (failed.length === 0 && suite.status === "failed")
      console.log(`FAILED ${suite.name}: ${String(suite.message).replace(/\x1b\[[0-9;]*m/g, "").slice(0, 600)}`);
    for (const a of failed)
      console.log(`FAILED ${a.fullName}: ${a.failureMessages.join(" ").replace(/\x1b\[[0-9;]*m/g, "").replace(/\s+/g, " ").slice(0, 600)}`);
  }
  console.log(`tests: ${r.numPassedTests} passed, ${r.numFailedTests} failed, ${r.numPendingTests + r.numTodoTests} skipped`);
  if (r.numTotalTests === 0) { console.error("kaas: no test ran"); process.exit(1); }
' || status=1
exit "$status"
