#!/usr/bin/env bash
# Build the Kubernetes test binaries from the Go module proxy (no release downloads):
#   kube-apiserver, kube-controller-manager, kube-scheduler, kubeadm, kubectl  (one set per release in KUBE_VERSIONS)
#   etcd (one per Kubernetes minor), kwok + kwokctl, kind (for tests), helm.
# Versions: hack/tools/versions.env; modules (go.mod + go.sum): hack/tools/*/. See hack/tools/README.md.
#
# Output (outside the repository, keyed by version; a second run rebuilds nothing):
#   ${KAAS_TOOLS_DIR:-$HOME/.cache/kaas/tools}/k8s/v<kube>/{kube-apiserver,kube-controller-manager,kube-scheduler,kubeadm,kubectl}
#   ${KAAS_TOOLS_DIR:-$HOME/.cache/kaas/tools}/etcd/v<etcd>/etcd
#   ${KAAS_TOOLS_DIR:-$HOME/.cache/kaas/tools}/kwok/v<kwok>/{kwok,kwokctl}
#   ${KAAS_TOOLS_DIR:-$HOME/.cache/kaas/tools}/kind/v<kind>/kind
#   ${KAAS_TOOLS_DIR:-$HOME/.cache/kaas/tools}/helm/v<helm>/helm
set -euo pipefail

usage() {
  cat <<'EOF'
usage: scripts/build-k8s-tools.sh [options]

  (no option)       build every missing or outdated binary, then print a summary and the layout
  --only G[,G...]   build only these groups (see --list-groups), e.g. --only k8s-1.37,etcd-3.7,kwok
  -j, --jobs N      build up to N groups at once (default: $KAAS_TOOLS_JOBS or 1; see README for measurements)
  --force           rebuild even if the stamp matches
  --print-env       print shell exports (KAAS_K8S_BIN_DIR_1_36=... etc.); builds nothing
  --print-json      print the same information as JSON; builds nothing
  --print-layout    print the output layout; builds nothing
  --list-groups     print the group names; builds nothing
  --check           exit 0 if every binary is present with a matching stamp, 1 otherwise; builds nothing
  -h, --help        this text

Environment: KAAS_TOOLS_DIR (output root, default $HOME/.cache/kaas/tools); the usual Go variables
(GOCACHE, GOMODCACHE, GOPROXY, GOTOOLCHAIN) are honoured.
EOF
}

repo_root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
tools_src="${repo_root}/hack/tools"
# shellcheck disable=SC1091 # hack/tools/versions.env: KEY=VALUE lines
source "${tools_src}/versions.env"

tools_dir="${KAAS_TOOLS_DIR:-${HOME}/.cache/kaas/tools}"
mode=build
jobs="${KAAS_TOOLS_JOBS:-1}"
force=0
only=""

while (($#)); do
  case "$1" in
    --only) only="${2:?--only needs a value}"; shift 2 ;;
    --only=*) only="${1#*=}"; shift ;;
    -j | --jobs) jobs="${2:?--jobs needs a value}"; shift 2 ;;
    --jobs=*) jobs="${1#*=}"; shift ;;
    --force) force=1; shift ;;
    --print-env) mode="env"; shift ;;
    --print-json) mode="json"; shift ;;
    --print-layout) mode="layout"; shift ;;
    --list-groups) mode="groups"; shift ;;
    --check) mode="check"; shift ;;
    -h | --help) usage; exit 0 ;;
    *) echo "unknown argument: $1" >&2; usage >&2; exit 2 ;;
  esac
done
[[ "$jobs" =~ ^[1-9][0-9]*$ ]] || { echo "--jobs must be a positive integer" >&2; exit 2; }

# ---------------------------------------------------------------------------------------------
# Groups. A group = one Go module under hack/tools/ built with one `go build` into one directory.
# ---------------------------------------------------------------------------------------------
minor_of() { echo "${1%.*}"; }          # 1.36.3 -> 1.36
key_of() { local s="${1//./_}"; echo "${s//-/_}"; } # 1.36 -> 1_36
etcd_for_kube() {
  local var
  var="ETCD_VERSION_$(key_of "$(minor_of "$1")")"
  [[ -n "${!var:-}" ]] || { echo "versions.env: ${var} is not set" >&2; exit 1; }
  echo "${!var}"
}

declare -a groups=()
declare -A g_moddir=() g_out=() g_pkgs=() g_bins=() g_pin=() g_kind=() g_version=()

add_group() { # name kind version moddir outdir pin(module@version) "pkgs" "bins"
  groups+=("$1")
  g_kind[$1]="$2"; g_version[$1]="$3"; g_moddir[$1]="$4"; g_out[$1]="$5"; g_pin[$1]="$6"
  g_pkgs[$1]="$7"; g_bins[$1]="$8"
}

read -r -a kube_versions <<<"${KUBE_VERSIONS}"
read -r -a kube_commands <<<"${KUBE_COMMANDS}"
declare -A etcd_seen=()
for kv in "${kube_versions[@]}"; do
  km="$(minor_of "$kv")"
  pkgs=""
  for c in "${kube_commands[@]}"; do pkgs+="k8s.io/kubernetes/cmd/${c} "; done
  add_group "k8s-${km}" k8s "$kv" "${tools_src}/k8s-${km}" "${tools_dir}/k8s/v${kv}" \
    "k8s.io/kubernetes@v${kv}" "${pkgs% }" "${KUBE_COMMANDS}"
done
for kv in "${kube_versions[@]}"; do
  ev="$(etcd_for_kube "$kv")"
  [[ -n "${etcd_seen[$ev]:-}" ]] && continue
  etcd_seen[$ev]=1
  em="$(minor_of "$ev")"
  add_group "etcd-${em}" etcd "$ev" "${tools_src}/etcd-${em}" "${tools_dir}/etcd/v${ev}" \
    "go.etcd.io/etcd/server/v3@v${ev}" "go.etcd.io/etcd/server/v3" "etcd"
done
add_group kwok kwok "${KWOK_VERSION}" "${tools_src}/kwok" "${tools_dir}/kwok/v${KWOK_VERSION}" \
  "sigs.k8s.io/kwok@v${KWOK_VERSION}" "sigs.k8s.io/kwok/cmd/kwok sigs.k8s.io/kwok/cmd/kwokctl" "kwok kwokctl"
add_group kind kind "${KIND_VERSION}" "${tools_src}/kind" "${tools_dir}/kind/v${KIND_VERSION}" \
  "sigs.k8s.io/kind@v${KIND_VERSION}" "sigs.k8s.io/kind" "kind"
add_group helm helm "${HELM_VERSION}" "${tools_src}/helm" "${tools_dir}/helm/v${HELM_VERSION}" \
  "helm.sh/helm/v3@v${HELM_VERSION}" "helm.sh/helm/v3/cmd/helm" "helm"

selected=("${groups[@]}")
if [[ -n "$only" ]]; then
  IFS=',' read -r -a selected <<<"$only"
  for g in "${selected[@]}"; do
    [[ -n "${g_kind[$g]:-}" ]] || { echo "unknown group '$g' (groups: ${groups[*]})" >&2; exit 2; }
  done
fi

# ---------------------------------------------------------------------------------------------
# Printing modes (no Go invocation).
# ---------------------------------------------------------------------------------------------
print_layout() {
  echo "Layout (KAAS_TOOLS_DIR=${tools_dir}):"
  local g b
  for g in "${groups[@]}"; do
    for b in ${g_bins[$g]}; do printf '  %-10s %s/%s\n' "$g" "${g_out[$g]}" "$b"; done
  done
  echo "  each version directory also holds .stamp (what it was built from); build logs: ${tools_dir}/logs/"
}

shq() { # quote for the shell, readable when possible
  if [[ "$1" =~ ^[A-Za-z0-9_./:@\ +=-]*$ ]]; then printf '"%s"' "$1"; else printf '%q' "$1"; fi
}
print_env() {
  local kv km k
  printf 'export KAAS_TOOLS_DIR=%s\n' "$(shq "$tools_dir")"
  printf 'export KAAS_KUBE_VERSIONS=%s\n' "$(shq "${KUBE_VERSIONS}")"
  for kv in "${kube_versions[@]}"; do
    km="$(minor_of "$kv")"; k="$(key_of "$km")"
    printf 'export KAAS_KUBE_VERSION_%s=%s\n' "$k" "$(shq "$kv")"
    printf 'export KAAS_K8S_BIN_DIR_%s=%s\n' "$k" "$(shq "${g_out[k8s-${km}]}")"
    printf 'export KAAS_ETCD_BIN_%s=%s\n' "$k" "$(shq "${tools_dir}/etcd/v$(etcd_for_kube "$kv")/etcd")"
  done
  printf 'export KAAS_KWOK_BIN=%s\n' "$(shq "${g_out[kwok]}/kwok")"
  printf 'export KAAS_KWOKCTL_BIN=%s\n' "$(shq "${g_out[kwok]}/kwokctl")"
  printf 'export KAAS_KIND_BIN=%s\n' "$(shq "${g_out[kind]}/kind")"
  printf 'export KAAS_HELM_BIN=%s\n' "$(shq "${g_out[helm]}/helm")"
}

json_str() { local s="${1//\\/\\\\}"; s="${s//\"/\\\"}"; printf '"%s"' "$s"; }
print_json() {
  local kv km first=1 c cfirst
  printf '{\n  "toolsDir": %s,\n  "kubernetes": [\n' "$(json_str "$tools_dir")"
  for kv in "${kube_versions[@]}"; do
    km="$(minor_of "$kv")"
    ((first)) || printf ',\n'
    first=0
    printf '    {"version": %s, "minor": %s, "binDir": %s, "etcdVersion": %s, "etcd": %s, "binaries": {' \
      "$(json_str "$kv")" "$(json_str "$km")" "$(json_str "${g_out[k8s-${km}]}")" \
      "$(json_str "$(etcd_for_kube "$kv")")" "$(json_str "${tools_dir}/etcd/v$(etcd_for_kube "$kv")/etcd")"
    cfirst=1
    for c in "${kube_commands[@]}"; do
      ((cfirst)) || printf ', '
      cfirst=0
      printf '%s: %s' "$(json_str "$c")" "$(json_str "${g_out[k8s-${km}]}/${c}")"
    done
    printf '}}'
  done
  printf '\n  ],\n'
  printf '  "kwok": {"version": %s, "kwok": %s, "kwokctl": %s},\n' "$(json_str "${KWOK_VERSION}")" \
    "$(json_str "${g_out[kwok]}/kwok")" "$(json_str "${g_out[kwok]}/kwokctl")"
  printf '  "kind": {"version": %s, "kind": %s},\n' "$(json_str "${KIND_VERSION}")" "$(json_str "${g_out[kind]}/kind")"
  printf '  "helm": {"version": %s, "helm": %s}\n}\n' "$(json_str "${HELM_VERSION}")" "$(json_str "${g_out[helm]}/helm")"
}

case "$mode" in
  env) print_env; exit 0 ;;
  json) print_json; exit 0 ;;
  layout) print_layout; exit 0 ;;
  groups) printf '%s\n' "${groups[@]}"; exit 0 ;;
esac

# ---------------------------------------------------------------------------------------------
# Build.
# ---------------------------------------------------------------------------------------------
export CGO_ENABLED=0
# -buildvcs=false: the modules live inside this git repository; VCS stamping would make the
# binaries depend on the repository's commit. -mod=readonly: go.mod/go.sum are the pins.
export GOFLAGS="-buildvcs=false -mod=readonly"
# The Go toolchain's usual home, for shells whose PATH does not name it.
command -v go >/dev/null || export PATH="/usr/local/go/bin:$PATH"
go_version="$(go version)"

# Fail early when versions.env and a module's go.mod disagree.
check_pin() {
  local g="$1" mod="${g_pin[$1]%@*}" ver="${g_pin[$1]#*@}" gomod="${g_moddir[$1]}/go.mod"
  [[ -f "$gomod" ]] || { echo "${g}: missing ${gomod}" >&2; return 1; }
  if ! grep -Eq "^[[:space:]]*(require[[:space:]]+)?${mod//./\\.}[[:space:]]+${ver//./\\.}([[:space:]]|$)" "$gomod"; then
    echo "${g}: ${gomod} does not pin ${mod} ${ver} (versions.env and go.mod disagree;" >&2
    echo "  regenerate: hack/tools/gen-k8s-module.sh <version>, or 'go get -tool <pkg>@<version> && go mod tidy')" >&2
    return 1
  fi
}

ldflags_for() { # group [resolve-date: 1 (default) | 0 = placeholder, for the stamp]
  local g="$1" v="${g_version[$1]}" flags="-s -w" resolve_date="${2:-1}"
  case "${g_kind[$g]}" in
    k8s)
      # kwokctl and kubeadm read `--version`; without these the binaries report v0.0.0-master.
      local major="${v%%.*}" minor rest date
      rest="${v#*.}"; minor="${rest%%.*}"
      # buildDate = publication time of the k8s.io/kubernetes version (fixed per version).
      date="MODULE_TIME"
      if ((resolve_date)); then
        date="$(cd "${g_moddir[$g]}" && go list -m -json k8s.io/kubernetes | sed -n 's/^[[:space:]]*"Time": "\(.*\)",\{0,1\}$/\1/p')"
        [[ -n "$date" ]] || date="1970-01-01T00:00:00Z"
      fi
      local pkg
      for pkg in k8s.io/component-base/version k8s.io/client-go/pkg/version; do
        flags+=" -X ${pkg}.gitVersion=v${v} -X ${pkg}.gitMajor=${major} -X ${pkg}.gitMinor=${minor}"
        flags+=" -X ${pkg}.gitTreeState=clean -X ${pkg}.buildDate=${date}"
      done
      ;;
    helm)
      # Same values helm's Makefile sets; chartutil's default kubeVersion comes from client-go.
      local cg cmaj cmin
      cg="$(sed -n 's/^[[:space:]]*k8s\.io\/client-go v\([0-9]*\)\.\([0-9]*\)\..*/\1 \2/p' "${g_moddir[$g]}/go.mod" | head -n1)"
      read -r cmaj cmin <<<"$cg"
      flags+=" -X helm.sh/helm/v3/internal/version.version=v${v} -X helm.sh/helm/v3/internal/version.metadata="
      flags+=" -X helm.sh/helm/v3/internal/version.gitTreeState=clean"
      if [[ -n "${cmaj:-}" ]]; then
        local p
        for p in helm.sh/helm/v3/pkg/lint/rules helm.sh/helm/v3/pkg/chartutil; do
          flags+=" -X ${p}.k8sVersionMajor=$((cmaj + 1)) -X ${p}.k8sVersionMinor=${cmin}"
        done
      fi
      ;;
  esac
  echo "$flags"
}

stamp_for() { # everything a build of this group depends on (Go toolchain, go.mod/go.sum, flags)
  local g="$1"
  printf 'group=%s\nversion=%s\ngo=%s\npackages=%s\nmodule=%s\n' "$g" "${g_version[$g]}" "$go_version" \
    "${g_pkgs[$g]}" "$(cat "${g_moddir[$g]}/go.mod" "${g_moddir[$g]}/go.sum" | sha256sum | cut -d' ' -f1)"
  printf 'flags=CGO_ENABLED=%s %s -trimpath -ldflags %s\n' "$CGO_ENABLED" "$GOFLAGS" "$(ldflags_for "$g" 0)"
}

is_current() {
  local g="$1" b
  [[ -f "${g_out[$g]}/.stamp" ]] || return 1
  for b in ${g_bins[$g]}; do [[ -x "${g_out[$g]}/${b}" ]] || return 1; done
  [[ "$(cat "${g_out[$g]}/.stamp")" == "$(stamp_for "$g")" ]]
}

if [[ "$mode" == check ]]; then
  rc=0
  for g in "${selected[@]}"; do
    if is_current "$g"; then echo "ok       $g"; else echo "missing  $g"; rc=1; fi
  done
  exit "$rc"
fi

command -v go >/dev/null || { echo "go not found in PATH" >&2; exit 1; }
for g in "${selected[@]}"; do check_pin "$g"; done

logs="${tools_dir}/logs"
mkdir -p "$logs"
results="$(mktemp -d)"
trap 'rm -rf "$results"' EXIT

build_group() { # runs in a subshell; writes "<status> <seconds>" to $results/<group>
  local g="$1" out="${g_out[$1]}" start end tmp ldflags b
  local -a pkgs
  read -r -a pkgs <<<"${g_pkgs[$g]}"
  start=$(date +%s)
  if ((force == 0)) && is_current "$g"; then
    echo "cached 0" >"${results}/${g}"
    return 0
  fi
  mkdir -p "$out"
  tmp="$(mktemp -d "${out}/.build.XXXXXX")"
  ldflags="$(ldflags_for "$g")"
  echo "==> ${g} (v${g_version[$g]}): building ${g_bins[$g]} (log: ${logs}/${g}.log)"
  local target="${tmp}/"
  ((${#pkgs[@]} == 1)) && target="${tmp}/${g_bins[$g]}"
  if ! (cd "${g_moddir[$g]}" && go build -trimpath -ldflags "$ldflags" -o "$target" "${pkgs[@]}") >"${logs}/${g}.log" 2>&1; then
    end=$(date +%s)
    echo "FAILED $((end - start))" >"${results}/${g}"
    echo "!!! ${g} failed; last lines of ${logs}/${g}.log:" >&2
    tail -n 30 "${logs}/${g}.log" >&2
    rm -rf "$tmp"
    return 1
  fi
  rm -f "${out}/.stamp"
  for b in ${g_bins[$g]}; do mv -f "${tmp}/${b}" "${out}/${b}"; done
  rm -rf "$tmp"
  stamp_for "$g" >"${out}/.stamp"
  end=$(date +%s)
  echo "built $((end - start))" >"${results}/${g}"
  echo "<== ${g}: done in $((end - start))s"
}

total_start=$(date +%s)
echo "kaas tools: ${go_version}; output ${tools_dir}; jobs=${jobs}; groups: ${selected[*]}"
for g in "${selected[@]}"; do
  if ((jobs == 1)); then
    build_group "$g" || true
  else
    while (($(jobs -rp | wc -l) >= jobs)); do wait -n || true; done
    build_group "$g" &
  fi
done
wait
total_end=$(date +%s)

echo
echo "Summary (wall time per group; groups built in parallel overlap):"
printf '  %-10s %-9s %-7s %6s  %s\n' GROUP VERSION STATUS SECONDS BINARIES
failed=0
for g in "${selected[@]}"; do
  status="FAILED" secs="-"
  [[ -f "${results}/${g}" ]] && read -r status secs <"${results}/${g}"
  [[ "$status" == built || "$status" == cached ]] || failed=1
  bins=""
  for b in ${g_bins[$g]}; do bins+="${b} "; done
  printf '  %-10s %-9s %-7s %6s  %s\n' "$g" "${g_version[$g]}" "$status" "$secs" "${bins% }"
done
echo "  total wall time: $((total_end - total_start))s"
echo
print_layout
exit "$failed"
