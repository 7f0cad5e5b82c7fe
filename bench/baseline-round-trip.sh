#!/usr/bin/env bash
# The baseline round trip on the local target, with its figures: save a baseline of the inference
# latency and throughput checks (runner.baseline.runs runs, or BASELINE_RUNS), run RUNS times (default
# 10) with nothing changed - every false regression and every metric too noisy to judge is counted -
# then slow the model server down 2x (mlops.local.serving_slowdown) and run RUNS times again, counting
# the runs in which each of the latency and throughput regressions was caught. Prints what each part
# cost. Brings the local MLOps stack up if it is not (and down again afterwards); puts the server back.
# Usage: bench/baseline-round-trip.sh [RUNS]
set -euo pipefail
# shellcheck source=test-infra/lib/init.sh
source "$(dirname "${BASH_SOURCE[0]}")/../test-infra/lib/init.sh"
# shellcheck source=bench/lib.sh
source "$CC_ROOT/bench/lib.sh"
cd "$CC_ROOT"

bench::runs_arg 10 "$@"
base_runs=${BASELINE_RUNS:-}
[[ -z "$base_runs" || "$base_runs" =~ ^[1-9][0-9]?$ ]] ||
  log::die "baseline-round-trip.sh: BASELINE_RUNS must be a count from 1 to 99, got '$base_runs'" 2

CONFIG=$CC_ROOT/test-infra/configs/local.yaml
FW=frameworks/test-inference-framework.sh
CHECKS='check-inference-(latency|throughput)$'
tmp=$(mktemp -d)
util::trap_add "rm -rf '$tmp'" EXIT
bench::mlops_up "$CONFIG" "$tmp"
cleanup() {
  [[ ! -e "$tmp/slowed" ]] || CC_STACK_CONFIG=$CONFIG test-infra/local/stack restart model-server >/dev/null 2>&1 || true
}
util::trap_add cleanup EXIT

wait_server() {
  local i
  for ((i = 0; i < 240; i++)); do
    curl -sf "$CC_INFERENCE_ENDPOINT_URL/ping" >/dev/null && return 0
    sleep 0.5
  done
  log::die "bench: the model server did not come back" 1
}
eval "$(clustercheck config export "$CONFIG" | grep '^CC_INFERENCE_ENDPOINT_URL=')"

# bench::verdicts DIR: "metric=verdict" of every judged metric of the run in DIR, one per line.
bench::verdicts() {
  cat "$1"/artifacts/*/baseline.jsonl 2>/dev/null | sed -n 's/.*"name": "\([^"]*\)".*"verdict": "\([^"]*\)".*/\1=\2/p'
}

# bench::series LABEL: RUNS runs against the baseline; per metric, how many runs gave each verdict.
bench::series() {
  local label=$1 i rc start
  start=$(util::now)
  : >"$tmp/$label.verdicts"
  for ((i = 1; i <= BENCH_RUNS; i++)); do
    rc=0
    "$FW" run-tests --config "$CONFIG" --filter "$CHECKS" --report-dir "$tmp/$label-$i" \
      --baseline "$tmp/baseline.json" >"$tmp/$label-$i.log" 2>&1 || rc=$?
    printf '  %s run %2d: exit %d; %s\n' "$label" "$i" "$rc" \
      "$(bench::verdicts "$tmp/$label-$i" | grep -v '=within$' | paste -sd ' ' - || true)"
    bench::verdicts "$tmp/$label-$i" >>"$tmp/$label.verdicts"
  done
  printf '%s: %d runs in %.0f s; per metric, runs by verdict:\n' "$label" "$BENCH_RUNS" "$(util::elapsed "$start")"
  sort "$tmp/$label.verdicts" | uniq -c | awk '{ printf "    %-28s %d\n", $2, $1 }'
}

printf 'machine: %s CPUs; target: %s; %d runs each\n' "$(nproc)" "$CONFIG" "$BENCH_RUNS"
start=$(util::now)
"$FW" run-tests --config "$CONFIG" --filter "$CHECKS" --report-dir "$tmp/save" --save-baseline "$tmp/baseline.json" \
  ${base_runs:+--baseline-runs "$base_runs"} >"$tmp/save.log" 2>&1 ||
  { tail -n 20 "$tmp/save.log"; log::die "bench: saving the baseline failed" 1; }
printf 'baseline saved in %.0f s: %s\n' "$(util::elapsed "$start")" "$(grep -o 'baseline saved: .*' "$tmp/save.log")"
python3 - "$tmp/baseline.json" <<'EOF'
import json, sys
for check, ms in sorted(json.load(open(sys.argv[1]))["metrics"].items()):
    for name, m in sorted(ms.items()):
        print(f"    {check}.{name}: runs {m['runs']}")
EOF

bench::series unchanged
false_regressions=$(grep -c '=regressed$' "$tmp/unchanged.verdicts" || true)

# a copy of the target beside nothing: its relative paths made absolute
sed -e "s#\.\./\.\./#$CC_ROOT/#g" -e "s#^  cli_config: .*#  cli_config: $CC_ROOT/test-infra/configs/local-cluster.yaml#" \
  -e 's/^    serving_slowdown: .*/    serving_slowdown: 2/' "$CONFIG" >"$tmp/slow.yaml"
grep -q '^    serving_slowdown: 2$' "$tmp/slow.yaml" || log::die "bench: no mlops.local.serving_slowdown in $CONFIG" 1
: >"$tmp/slowed"
CC_STACK_CONFIG=$tmp/slow.yaml test-infra/local/stack restart model-server >/dev/null
wait_server
bench::series slowed-2x
CC_STACK_CONFIG=$CONFIG test-infra/local/stack restart model-server >/dev/null
rm -f "$tmp/slowed"
wait_server

caught() { grep -c "^$1=regressed$" "$tmp/slowed-2x.verdicts" || true; }
printf 'summary: unchanged - %d false regression(s) in %d runs; 2x slower - latency_p50 caught in %d of %d, latency_p95 %d of %d, throughput_max %d of %d\n' \
  "$false_regressions" "$BENCH_RUNS" "$(caught latency_p50)" "$BENCH_RUNS" "$(caught latency_p95)" "$BENCH_RUNS" "$(caught throughput_max)" "$BENCH_RUNS"
