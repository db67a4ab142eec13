#!/usr/bin/env bash
# Smoke test of the locally built binaries: for each Kubernetes release in versions.env, start a
# kwok cluster with kwokctl's binary runtime (no download), check the API version, register a
# fake Node, wait for it to be Ready, then delete the cluster. Prints create/delete timings.
#
#   scripts/build-k8s-tools.sh && hack/tools/kwok-smoke.sh [1.36.3 ...]
#
# Uses a throw-away KWOK_WORKDIR and never touches ~/.kube/config or ~/.kwok.
set -euo pipefail

repo_root="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
# shellcheck disable=SC1091 # KEY=VALUE lines
source "${repo_root}/hack/tools/versions.env"
eval "$("${repo_root}/scripts/build-k8s-tools.sh" --print-env)"
"${repo_root}/scripts/build-k8s-tools.sh" --check >/dev/null || {
  echo "binaries missing or outdated: run scripts/build-k8s-tools.sh first" >&2
  exit 1
}

versions=("$@")
((${#versions[@]})) || read -r -a versions <<<"${KUBE_VERSIONS}"

workdir="$(mktemp -d /tmp/kaas-kwok-smoke.XXXXXX)"
export KWOK_WORKDIR="${workdir}"
created=()
cleanup() {
  local n
  for n in "${created[@]}"; do
    [[ -n "$n" ]] || continue
    "${KAAS_KWOKCTL_BIN}" --name "$n" delete cluster --kubeconfig "${workdir}/none.kubeconfig" >/dev/null 2>&1 || true
  done
  rm -rf "${workdir}"
}
trap cleanup EXIT

now_ms() { date +%s%3N; }

for kv in "${versions[@]}"; do
  key="${kv%.*}"; key="${key//./_}"
  bin_var="KAAS_K8S_BIN_DIR_${key}"; etcd_var="KAAS_ETCD_BIN_${key}"
  bindir="${!bin_var:?no binaries for ${kv}}"; etcd="${!etcd_var}"
  name="smoke-${key//_/-}"
  config="${workdir}/${name}.kwokctl.yaml"
  kubeconfig="${workdir}/${name}.kubeconfig"

  # Options that have no CLI flag go into a config file.
  cat >"$config" <<EOF
kind: KwokctlConfiguration
apiVersion: config.kwok.x-k8s.io/v1alpha1
options:
  runtime: binary
  kubeVersion: v${kv}
  bindAddress: 127.0.0.1
  kubectlBinary: ${bindir}/kubectl
EOF

  echo "== ${name}: Kubernetes v${kv}, etcd $("$etcd" --version | sed -n 's/^etcd Version: //p'), KWOK_WORKDIR=${workdir}"
  t0=$(now_ms)
  # kwokctl runs `kubectl` from PATH before kubectlBinary: put ours first.
  PATH="${bindir}:${PATH}" "${KAAS_KWOKCTL_BIN}" --name "$name" --config "$config" \
    create cluster \
    --runtime binary \
    --kube-apiserver-binary "${bindir}/kube-apiserver" \
    --kube-controller-manager-binary "${bindir}/kube-controller-manager" \
    --kube-scheduler-binary "${bindir}/kube-scheduler" \
    --kwok-controller-binary "${KAAS_KWOK_BIN}" \
    --etcd-binary "${etcd}" \
    --kubeconfig "" \
    --wait 2m --timeout 3m \
    >"${workdir}/${name}.create.log" 2>&1 || {
    cat "${workdir}/${name}.create.log" >&2
    exit 1
  }
  created+=("$name")
  t1=$(now_ms)

  # No download: every bin/ entry is a symlink to a local binary, and kwokctl's download cache is unused.
  for link in "${workdir}/clusters/${name}/bin/"*; do
    target="$(readlink "$link")"
    [[ "$target" == /* && -x "$target" ]] || { echo "unexpected binary ${link} -> ${target}" >&2; exit 1; }
  done
  [[ ! -e "${workdir}/cache" ]] || { echo "kwokctl downloaded something into ${workdir}/cache" >&2; exit 1; }
  "${KAAS_KWOKCTL_BIN}" --name "$name" get kubeconfig >"$kubeconfig"
  kubectl=("${bindir}/kubectl" --kubeconfig "$kubeconfig")
  server="$("${kubectl[@]}" version -o json | sed -n 's/^ *"gitVersion": "\(.*\)",$/\1/p' | tail -n1)"
  [[ "$server" == "v${kv}" ]] || { echo "server version ${server}, expected v${kv}" >&2; exit 1; }

  "${kubectl[@]}" apply -f - >/dev/null <<'EOF'
apiVersion: v1
kind: Node
metadata:
  name: kwok-node-0
  labels:
    type: kwok
  annotations:
    kwok.x-k8s.io/node: fake
spec:
  taints:
  - key: kwok.x-k8s.io/node
    value: fake
    effect: NoSchedule
EOF
  "${kubectl[@]}" wait --for=condition=Ready node/kwok-node-0 --timeout=60s >/dev/null
  t2=$(now_ms)

  # `delete cluster --kubeconfig ""` fails ("empty path"); a path that does not exist is left alone.
  "${KAAS_KWOKCTL_BIN}" --name "$name" delete cluster --kubeconfig "${workdir}/none.kubeconfig" \
    >"${workdir}/${name}.delete.log" 2>&1 || { cat "${workdir}/${name}.delete.log" >&2; exit 1; }
  created=("${created[@]/$name/}")
  t3=$(now_ms)
  [[ ! -d "${workdir}/clusters/${name}" ]] || { echo "cluster dir left behind" >&2; exit 1; }

  printf '   server %s; create %d ms; node Ready %d ms later; delete %d ms\n' \
    "$server" $((t1 - t0)) $((t2 - t1)) $((t3 - t2))
done
echo "kwok smoke test passed"
