#!/usr/bin/env bash
# Prints the MLOps issue's figures on this machine: the cold `stack up mlops` time (a fresh state
# directory: Ansible provisioning, initdb, buckets, registering the model, both model servers), the
# same up from a stopped stack whose data is kept, `stack down`, and the mlops-stack suite's wall time.
# Runs in its own state directory, so the stack of `make stack-up` is not touched - but it needs its
# ports: stop that stack first.
# Usage: bench/mlops-stack.sh
set -euo pipefail
# shellcheck source=test-infra/lib/init.sh
source "$(dirname "${BASH_SOURCE[0]}")/../test-infra/lib/init.sh"
# shellcheck source=bench/lib.sh
source "$CC_ROOT/bench/lib.sh"
util::no_args "$0" "$@"
cd "$CC_ROOT"

if test-infra/local/stack status mlops >/dev/null 2>&1; then
  log::die "bench: the local MLOps stack is up; it uses the ports this benchmark needs (make stack-down)" 2
fi

tmp=$(mktemp -d)
chmod 755 "$tmp" # PostgreSQL runs as postgres and must reach its data directory under it
export CC_LOCAL_STATE=$tmp/state CC_STACK_CONFIG=$tmp/local.yaml
# The stack's config with absolute paths and its own state directory.
sed -e "s#\.\./\.\./\.local-target/mlops#$tmp/state/mlops#" -e "s#\.\./\.\./#$CC_ROOT/#g" \
  test-infra/configs/local.yaml >"$CC_STACK_CONFIG"
cleanup() {
  test-infra/local/stack down mlops >/dev/null 2>&1 || true
  rm -rf "$tmp"
}
util::trap_add cleanup EXIT

printf 'machine: %s CPUs, %s GiB memory\n' "$(nproc)" "$(awk '/MemTotal/ {printf "%d", $2 / 1048576}' /proc/meminfo)"
bench::timed "stack up mlops, fresh state (incl. ansible)" test-infra/local/stack up mlops
grep -o 'ansible.*' "$tmp/last.log" | head -n 1 | sed 's/^/    /' || true
bench::timed "stack up mlops again (all running)" test-infra/local/stack up mlops
bench::timed "stack down mlops" test-infra/local/stack down mlops
bench::timed "stack up mlops, cold services, data kept" test-infra/local/stack up mlops
start=$(util::now)
rc=0
frameworks/test-mlops-stack-framework.sh run-tests --config "$CC_STACK_CONFIG" --report-dir "$tmp/report" \
  >"$tmp/suite.log" 2>&1 || rc=$?
printf '%-52s %6.1f s  (exit %d; %s)\n' "mlops-stack suite (run-tests)" "$(util::elapsed "$start")" "$rc" \
  "$(grep -o 'mlops-stack: [0-9].*' "$tmp/suite.log" | tail -n 1)"
awk '/^\[/' "$tmp/suite.log" | sed 's/^/    /'
