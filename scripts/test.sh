#!/usr/bin/env bash
# The one command that passes the tests on a fresh Debian machine: Node.js 24, npm
# dependencies, Redis and PostgreSQL (installed with apt-get when missing, started privately),
# a build, then every test tier. Extra arguments go to jest (e.g. --selectProjects unit).
set -euo pipefail
cd "$(dirname "$0")/.."
. scripts/lib.sh

ensure_node
ensure_dependencies
bash scripts/services.sh redis postgres
npm run --silent build

mkdir -p test-artifacts
status=0
NODE_OPTIONS=--experimental-vm-modules npx jest --ci --maxWorkers=2 \
  --json --outputFile=test-artifacts/jest.json "$@" || status=$?

# A plain closing line any CI can read, from jest's own report.
node -e '
  const r = JSON.parse(require("fs").readFileSync("test-artifacts/jest.json", "utf8"));
  console.log(`tests: ${r.numPassedTests} passed, ${r.numFailedTests} failed, ${r.numPendingTests + r.numTodoTests} skipped`);
  if (r.numTotalTests === 0) { console.error("kaas: no test ran"); process.exit(1); }
' || status=1
exit "$status"
