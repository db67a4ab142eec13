#!/usr/bin/env bash
# Runs kaas with embedded defaults on a fresh Debian machine: Node.js 24, npm dependencies,
# Redis (installed and started when missing), a build, then `kaas all` with the embedded
# database in ./.data. Arguments: the role (all, api, worker, monitor); all by default.
set -euo pipefail
cd "$(dirname "$0")/.."
. scripts/lib.sh

ensure_node
ensure_dependencies
case "${KAAS_REDIS_URL:-redis://127.0.0.1:6379}" in
  redis://127.0.0.1:*|redis://localhost:*) bash scripts/services.sh redis ;;
esac
npm run --silent build
[ -f web/dist/index.html ] || npm run --silent web:build
exec node dist/main.js "${1:-all}"
