#!/usr/bin/env bash
# Fuzzes the running API with schemathesis against the committed OpenAPI document (every check,
# as test/fuzz/schemathesis.toml leaves them; a --checks flag would override its exceptions): every
# response must match its schema and none may be a 5xx. Fails unless at least
# KAAS_FUZZ_MIN_CASES test cases (default 5000) were generated.
set -euo pipefail
cd "$(dirname "$0")/.."
. scripts/lib.sh

ensure_node
ensure_dependencies
bash scripts/services.sh redis
npm run --silent build

SCHEMATHESIS_VERSION=4.32.5
venv="$KAAS_CACHE_DIR/venv-schemathesis-$SCHEMATHESIS_VERSION"
if [ ! -x "$venv/bin/st" ]; then
  # Python 3.11 trips over its own AST recursion check inside hypothesis; prefer 3.12 or newer.
  python=""
  for candidate in python3.13 python3.12 "$HOME"/.pyenv/versions/3.1[2-9]*/bin/python3 python3; do
    if "$candidate" -c 'import sys; sys.exit(0 if sys.version_info >= (3, 12) else 1)' 2>/dev/null; then python="$candidate"; break; fi
  done
  [ -n "$python" ] || { python=python3; log "no Python 3.12 found; using $(python3 --version)"; }
  log "installing schemathesis $SCHEMATHESIS_VERSION into $venv with $python"
  "$python" -m venv "$venv"
  "$venv/bin/pip" install --quiet "schemathesis==$SCHEMATHESIS_VERSION"
fi

port="$(node -e 'const s=require("net").createServer().listen(0,"127.0.0.1",()=>{console.log(s.address().port);s.close()})')"
token="kaas_fuzz$(node -e 'console.log(require("crypto").randomBytes(24).toString("hex"))')"
mkdir -p test-artifacts
# Generated clouds may only point at this machine: the API dials a cloud's auth URL.
KAAS_CLOUD_AUTH_URL_ALLOW='^https?://127\.0\.0\.1[:/]' \
KAAS_PORT="$port" KAAS_EMBEDDED_IN_MEMORY=true KAAS_LOG_LEVEL=error KAAS_QUEUE_PREFIX="fuzz$port" \
  KAAS_BOOTSTRAP_TOKEN="$token" KAAS_FAKE_BOOT_SECONDS=0.2 KAAS_FAKE_DELETE_SECONDS=0.1 KAAS_RATE_LIMIT_PER_SECOND=0 \
  node dist/main.js all > test-artifacts/fuzz-server.log 2>&1 &
server=$!
trap 'kill "$server" 2>/dev/null || true' EXIT
for _ in $(seq 120); do curl -sf "http://127.0.0.1:$port/readyz" >/dev/null && break; sleep 0.5; done
url="http://127.0.0.1:$port"

# A cluster to aim at, so the routes below a cluster meet real data and not only 404s.
curl -sf -X POST "$url/v1/projects/default/clusters" -H "Authorization: Bearer $token" \
  -H 'Content-Type: application/json' \
  -d '{"name":"fuzz","spec":{"provider":"fake","nodePools":[{"name":"workers","replicas":1}]}}' >/dev/null

status=0
(cd test/fuzz && "$venv/bin/st" run ../../openapi/openapi.json --url "$url" \
  -H "Authorization: Bearer $token" --phases examples,coverage,fuzzing \
  --max-time "${KAAS_FUZZ_SECONDS:-240}" --workers 2 --continue-on-failure --seed 20261129 \
  --report junit --report-dir ../../test-artifacts/fuzz) > test-artifacts/fuzz.log 2>&1 || status=$?
# schemathesis prints a pytest-style report; keep it in the log and show it only on failure, so
# that CI's closing lines are the test runner's own summary and not the fuzzer's banner.
[ "$status" -eq 0 ] || tail -60 test-artifacts/fuzz.log

cases="$(sed -nE 's/^ *([0-9]+) generated.*/\1/p' test-artifacts/fuzz.log | tail -1)"
log "schemathesis generated ${cases:-0} test cases, exit status $status (report: test-artifacts/fuzz.log)"
if [ "${cases:-0}" -lt "${KAAS_FUZZ_MIN_CASES:-5000}" ]; then
  log "fewer than ${KAAS_FUZZ_MIN_CASES:-5000} test cases"; status=1
fi
if grep -q '"level":50' test-artifacts/fuzz-server.log; then
  log "the server logged errors while fuzzed:"; grep '"level":50' test-artifacts/fuzz-server.log | head -5; status=1
fi
exit "$status"
