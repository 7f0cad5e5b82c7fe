#!/usr/bin/env bash
# The baseline round trip on the local target, with its figures: save a baseline of the inference
# latency and throughput checks, run again with nothing changed (passes: every metric within its
# tolerance), then slow the model server down 2x (mlops.local.serving_slowdown) and run again (the
# latency and throughput checks fail, naming each regressed metric, its baseline and the change).
# Brings the local MLOps stack up if it is not (and down again afterwards); puts the server back.
# Usage: bench/baseline-round-trip.sh
set -euo pipefail
# shellcheck source=test-infra/utils/init.sh
source "$(dirname "${BASH_SOURCE[0]}")/../test-infra/utils/init.sh"
util::no_args "$0" "$@"
cd "$CC_ROOT"

CONFIG=$CC_ROOT/test-infra/configs/local.yaml
FW=frameworks/test-inference-framework.sh
CHECKS='check-inference-(latency|throughput)$'
tmp=$(mktemp -d)
started=0
cleanup() {
  if [[ -e "$tmp/slowed" ]]; then
    CC_STACK_CONFIG=$CONFIG test-infra/local/stack restart model-server >/dev/null 2>&1 || true
  fi
  ((started == 0)) || CC_STACK_CONFIG=$CONFIG test-infra/local/stack down mlops >/dev/null 2>&1 || true
  rm -rf "$tmp"
}
util::trap_add cleanup EXIT

if ! CC_STACK_CONFIG=$CONFIG test-infra/local/stack status mlops >/dev/null 2>&1; then
  started=1
  CC_STACK_CONFIG=$CONFIG test-infra/local/stack up mlops >"$tmp/up.log" 2>&1 ||
    { tail -n 5 "$tmp/up.log"; log::die "bench: the local MLOps stack did not come up" 1; }
fi

wait_server() {
  local i
  for ((i = 0; i < 240; i++)); do
    curl -sf "$CC_INFERENCE_ENDPOINT_URL/ping" >/dev/null && return 0
    sleep 0.5
  done
  log::die "bench: the model server did not come back" 1
}
eval "$(clustercheck config export "$CONFIG" | grep '^CC_INFERENCE_ENDPOINT_URL=')"

# bench::run LABEL EXPECTED_EXIT OPTIONS...: one run of the two checks; its verdicts and baseline lines.
bench::run() {
  local label=$1 want=$2 rc=0 start
  shift 2
  start=$(util::now)
  "$FW" run-tests --config "$CONFIG" --filter "$CHECKS" --report-dir "$tmp/$label" "$@" >"$tmp/$label.log" 2>&1 || rc=$?
  printf '%-28s exit %d (expected %d), %5.1f s\n' "$label" "$rc" "$want" "$(util::elapsed "$start")"
  grep -E '^\[' "$tmp/$label.log" | sed 's/^/    /'
  cat "$tmp/$label"/artifacts/*/output.log | sed -n 's/^baseline: /    baseline: /p'
  ((rc == want)) || log::die "bench: $label exited $rc, expected $want (log: kept above)" 1
}

printf 'machine: %s CPUs; target: %s\n' "$(nproc)" "$CONFIG"
bench::run save 0 --save-baseline "$tmp/baseline.json"
bench::run "nothing changed" 0 --baseline "$tmp/baseline.json"
# a copy of the target beside nothing: its relative paths made absolute
sed -e "s#\.\./\.\./#$CC_ROOT/#g" -e "s#^  cli_config: .*#  cli_config: $CC_ROOT/test-infra/configs/local-cluster.yaml#" \
  -e 's/^    serving_slowdown: .*/    serving_slowdown: 2/' "$CONFIG" >"$tmp/slow.yaml"
grep -q '^    serving_slowdown: 2$' "$tmp/slow.yaml" || log::die "bench: no mlops.local.serving_slowdown in $CONFIG" 1
: >"$tmp/slowed"
CC_STACK_CONFIG=$tmp/slow.yaml test-infra/local/stack restart model-server >/dev/null
wait_server
bench::run "model server 2x slower" 1 --baseline "$tmp/baseline.json"
CC_STACK_CONFIG=$CONFIG test-infra/local/stack restart model-server >/dev/null
rm -f "$tmp/slowed"
wait_server
