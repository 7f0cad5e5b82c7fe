#!/usr/bin/env bash
# How repeatable the capacity is: the inference throughput check run RUNS times (default 10) on the
# local target with nothing changed between runs; prints each run's throughput_max and the knee the
# sweep settled on, then min / median / max and the spread ((max - min) / median). Brings the local
# MLOps stack up if it is not (and down again afterwards).
# Usage: bench/capacity-repeat.sh [RUNS]
set -euo pipefail
# shellcheck source=test-infra/lib/init.sh
source "$(dirname "${BASH_SOURCE[0]}")/../test-infra/lib/init.sh"
# shellcheck source=bench/lib.sh
source "$CC_ROOT/bench/lib.sh"
cd "$CC_ROOT"

bench::runs_arg 10 "$@"

CONFIG=$CC_ROOT/test-infra/configs/local.yaml
tmp=$(mktemp -d)
util::trap_add "rm -rf '$tmp'" EXIT
bench::mlops_up "$CONFIG" "$tmp"

printf 'machine: %s CPUs; %d unchanged runs of check-inference-throughput on %s\n' "$(nproc)" "$BENCH_RUNS" "$CONFIG"
start=$(util::now)
for ((i = 1; i <= BENCH_RUNS; i++)); do
  dir=$tmp/run$i rc=0
  frameworks/test-inference-framework.sh run-tests --config "$CONFIG" --filter 'check-inference-throughput$' \
    --report-dir "$dir" >"$tmp/run$i.log" 2>&1 || rc=$?
  art=$dir/artifacts/check-inference-throughput
  value=$(python3 -c 'import json,sys
for line in open(sys.argv[1]):
    m = json.loads(line)
    if m.get("name") == "throughput_max": print(m["value"])' "$art/metrics.jsonl" 2>/dev/null || echo "-")
  stopped=$(sed -n 's/^stopped\t//p' "$art/sweep.tsv" 2>/dev/null | head -n 1)
  printf '  run %2d: exit %d, throughput_max %8s req/s  (%s)\n' "$i" "$rc" "$value" "${stopped:-?}"
  [[ "$value" == - ]] || echo "$value" >>"$tmp/values"
done
python3 - "$tmp/values" "$(util::elapsed "$start")" "$BENCH_RUNS" <<'EOF'
import statistics, sys
values = [float(v) for v in open(sys.argv[1])] if sys.argv[1] else []
if not values:
    sys.exit("bench: no run measured a capacity")
lo, med, hi = min(values), statistics.median(values), max(values)
print(f"throughput_max over {len(values)} runs: min {lo:.1f} / median {med:.1f} / max {hi:.1f} req/s; "
      f"spread (max-min)/median {100 * (hi - lo) / med:.1f} %; {float(sys.argv[2]) / int(sys.argv[3]):.1f} s a run")
EOF
