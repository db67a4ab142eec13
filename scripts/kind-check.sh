#!/usr/bin/env bash
# One command for a laptop with Docker and kind: prepares kaas as `npm start` does, then runs
# scripts/kind-check.mjs (create, scale, worker upgrade and delete of a real kind cluster).
set -euo pipefail
cd "$(dirname "$0")/.."
. scripts/lib.sh

ensure_node
ensure_dependencies
case "${KAAS_REDIS_URL:-redis://127.0.0.1:6379}" in
  redis://127.0.0.1:*|redis://localhost:*) bash scripts/services.sh redis ;;
esac
npm run --silent build
exec node scripts/kind-check.mjs
