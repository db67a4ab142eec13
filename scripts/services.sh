#!/usr/bin/env bash
# Starts the services kaas needs: Redis (always) and, with "postgres", a private PostgreSQL
# for the tests. Installs the Debian packages first when they are missing.
#   scripts/services.sh redis            Redis on 127.0.0.1:6379 (or KAAS_REDIS_PORT)
#   scripts/services.sh postgres         PostgreSQL on 127.0.0.1:55432 (or KAAS_PG_PORT), user kaas
#   scripts/services.sh openstack        the OpenStack testbed (../shared/openstack-testbed, as root)
#   scripts/services.sh stop             stops what this script started
set -euo pipefail
cd "$(dirname "$0")/.."
. scripts/lib.sh

REDIS_PORT="${KAAS_REDIS_PORT:-6379}"
PG_PORT="${KAAS_PG_PORT:-55432}"
STATE_DIR="${KAAS_SERVICES_DIR:-/var/tmp/kaas-services-$(id -u)}"

start_redis() {
  command -v redis-server >/dev/null || apt_install redis-server
  if redis-cli -p "$REDIS_PORT" ping >/dev/null 2>&1; then return 0; fi
  mkdir -p "$STATE_DIR/redis"
  redis-server --port "$REDIS_PORT" --bind 127.0.0.1 --daemonize yes --dir "$STATE_DIR/redis" \
    --save '' --appendonly no --pidfile "$STATE_DIR/redis.pid" --logfile "$STATE_DIR/redis.log"
  for _ in $(seq 50); do redis-cli -p "$REDIS_PORT" ping >/dev/null 2>&1 && return 0; sleep 0.1; done
  log "Redis did not start; see $STATE_DIR/redis.log"; return 1
}

pg_bin() { ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -1; }

start_postgres() {
  [ -n "$(pg_bin)" ] || apt_install postgresql
  local bin data owner
  bin="$(pg_bin)"
  data="$STATE_DIR/pg"
  # PostgreSQL refuses to run as root: root runs it as the postgres user the package created.
  owner="$(id -un)"
  [ "$(id -u)" = 0 ] && owner=postgres
  run() { if [ "$owner" = "$(id -un)" ]; then "$@"; else runuser -u "$owner" -- "$@"; fi; }
  if run "$bin/pg_isready" -q -h 127.0.0.1 -p "$PG_PORT"; then return 0; fi
  mkdir -p "$STATE_DIR"
  chmod 755 "$STATE_DIR"
  if [ ! -f "$data/PG_VERSION" ]; then
    mkdir -p "$data"
    chown "$owner" "$data"
    run "$bin/initdb" -D "$data" -U kaas --auth=trust -E UTF8 >/dev/null
  fi
  run "$bin/pg_ctl" -D "$data" -l "$data/server.log" -w \
    -o "-p $PG_PORT -c listen_addresses=127.0.0.1 -c unix_socket_directories=$data -c fsync=off -c max_connections=300" start >/dev/null
}

# The testbed lives beside the repository (../shared); its up.sh is idempotent and leaves a
# running testbed alone, so this is cheap when it is already up.
start_openstack() {
  local testbed="${KAAS_OPENSTACK_TESTBED:-../shared/openstack-testbed}"
  if [ ! -f "$testbed/up.sh" ]; then
    log "no OpenStack testbed at $testbed (set KAAS_OPENSTACK_TESTBED)"; return 1
  fi
  mkdir -p test-artifacts
  # The openstack test tier exercises more than its smoke check does.
  OPENSTACK_TESTBED_SKIP_SMOKE=1 bash "$testbed/up.sh" > test-artifacts/openstack-testbed.log 2>&1 || {
    tail -30 test-artifacts/openstack-testbed.log; log "the OpenStack testbed did not come up"; return 1
  }
}

stop_all() {
  [ -f "$STATE_DIR/redis.pid" ] && kill "$(cat "$STATE_DIR/redis.pid")" 2>/dev/null || true
  local bin; bin="$(pg_bin)"
  if [ -n "$bin" ] && [ -f "$STATE_DIR/pg/postmaster.pid" ]; then
    if [ "$(id -u)" = 0 ]; then runuser -u postgres -- "$bin/pg_ctl" -D "$STATE_DIR/pg" stop -m fast >/dev/null || true
    else "$bin/pg_ctl" -D "$STATE_DIR/pg" stop -m fast >/dev/null || true; fi
  fi
}

# A crash rather than a shutdown, for the fault tests: Redis killed, PostgreSQL stopped in
# immediate mode (it recovers from its write-ahead log on the next start).
crash_redis() { [ -f "$STATE_DIR/redis.pid" ] && kill -9 "$(cat "$STATE_DIR/redis.pid")" 2>/dev/null || true; rm -f "$STATE_DIR/redis.pid"; }
crash_postgres() {
  local bin; bin="$(pg_bin)"
  if [ "$(id -u)" = 0 ]; then runuser -u postgres -- "$bin/pg_ctl" -D "$STATE_DIR/pg" stop -m immediate >/dev/null || true
  else "$bin/pg_ctl" -D "$STATE_DIR/pg" stop -m immediate >/dev/null || true; fi
}

for what in "$@"; do
  case "$what" in
    redis) start_redis ;;
    postgres) start_postgres ;;
    crash-redis) crash_redis ;;
    crash-postgres) crash_postgres ;;
    openstack) start_openstack ;;
    stop) stop_all ;;
    *) log "usage: scripts/services.sh redis|postgres|openstack|crash-redis|crash-postgres|stop"; exit 2 ;;
  esac
done
