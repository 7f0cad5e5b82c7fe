#!/usr/bin/env bash
# Prints what the local Kubernetes cluster costs: building its components from their Go modules (a
# first build with empty Go caches, with --cold-build; and a rebuild from the caches, what a fresh
# clone on a used machine pays), `stack up k8s` cold (a new state directory: certificates, etcd, images
# imported) and warm (after `stack down`, the state kept), and the kubernetes framework's run.
# Usage: bench/k8s-local.sh [--cold-build]    (--cold-build: about 20 minutes on 2 cores, and the
#        modules downloaded again into a scratch module cache)
# The cluster is left as it was found: down if it was down, else up. The main job's figures, fresh and
# warm: bench/all-clusters.sh.
set -euo pipefail
# shellcheck source=test-infra/lib/init.sh
source "$(dirname "${BASH_SOURCE[0]}")/../test-infra/lib/init.sh"
# shellcheck source=bench/lib.sh
source "$CC_ROOT/bench/lib.sh"
cold=0
case ${1:-} in
  '') ;;
  --cold-build) cold=1 ;;
  -h | --help) sed -n '2,9p' "$0" | sed 's/^# \{0,1\}//'; exit 0 ;;
  *) log::die "k8s-local.sh: takes at most --cold-build, got '$*'" 2 ;;
esac
cd "$CC_ROOT"
[[ $EUID -eq 0 ]] || log::die "k8s-local.sh: must run as root (the stack makes namespaces and mounts)" 2
tmp=$(mktemp -d)
util::trap_add "rm -rf '$tmp'" EXIT
config=test-infra/configs/local.yaml
clustercheck config export "$config" -o "$tmp/env"
# shellcheck source=/dev/null
source "$tmp/env"
release=$CC_KUBERNETES_LOCAL_RELEASE

if ((cold)); then
  bench::timed "first build, empty Go caches ($release and the rest)" \
    env GOCACHE="$tmp/gocache" GOMODCACHE="$tmp/gomod" test-infra/local/k8s/build.sh "$tmp/cold" "$release"
  chmod -R u+w "$tmp/gomod" 2>/dev/null || true
fi
bench::timed "rebuild from Go's caches (a fresh clone here)" test-infra/local/k8s/build.sh "$tmp/warm" "$release"

was_up=0
test-infra/local/stack status k8s >/dev/null 2>&1 && was_up=1
# A cold start: a state directory of its own (certificates, etcd, node state made anew), the build kept.
cold_state=$tmp/state
mkdir -p "$cold_state/k8s"
ln -s "$CC_KUBERNETES_LOCAL_BUILD_DIR" "$cold_state/k8s/build"
sed -e "s#\.\./\.\./\.local-target#$cold_state#g" -e "s#\.\./\.\./#$CC_ROOT/#g" \
  -e "s#^  cli_config: .*#  cli_config: $CC_ROOT/test-infra/configs/local-cluster.yaml#" "$config" >"$tmp/cold.yaml"
bench::timed "stack down k8s (the running cluster)" test-infra/local/stack down k8s
util::trap_add "CC_LOCAL_STATE='$cold_state' CC_STACK_CONFIG='$tmp/cold.yaml' test-infra/local/stack down k8s >/dev/null 2>&1 || true" EXIT
bench::timed "stack up k8s, cold (new state: PKI, etcd, images)" \
  env CC_LOCAL_STATE="$cold_state" CC_STACK_CONFIG="$tmp/cold.yaml" test-infra/local/stack up k8s
bench::timed "stack down k8s" env CC_LOCAL_STATE="$cold_state" CC_STACK_CONFIG="$tmp/cold.yaml" test-infra/local/stack down k8s
bench::timed "stack up k8s, warm (state kept; goal <= 60 s)" test-infra/local/stack up k8s
bench::timed "kubernetes framework run-tests (9 checks)" frameworks/test-kubernetes-framework.sh run-tests --report-dir "$tmp/report"
grep -E '^kubernetes: ' "$tmp/last.log" || true
((was_up)) || bench::timed "stack down k8s (as found)" test-infra/local/stack down k8s
