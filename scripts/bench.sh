#!/usr/bin/env bash
# Runs every benchmark after the set-up they need on a fresh machine: Node.js 24, npm
# dependencies, Redis and the private PostgreSQL, a build, and the Kubernetes binaries for the
# kwok ones. Arguments go to bench/run-all.mjs (e.g. --quick).
set -euo pipefail
cd "$(dirname "$0")/.."
. scripts/lib.sh

ensure_node
ensure_dependencies
mkdir -p test-artifacts
bash scripts/services.sh redis postgres
bash scripts/build-k8s-tools.sh > test-artifacts/build-k8s-tools.log 2>&1 || {
  tail -30 test-artifacts/build-k8s-tools.log; log "building the Kubernetes binaries failed"; exit 1
}
npm run --silent build
node bench/run-all.mjs "$@"
