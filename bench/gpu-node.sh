#!/usr/bin/env bash
# Prints the GPU node acceptance figures on this machine (issue: the whole framework on one GPU within
# 45 s, the passive checks within 5 s, the fan-out over 8 local nodes within twice the time of 1):
#   - the framework's e2e against CONFIG, wall time and each check's verdict, and every GPU's
#     measured figures beside its datasheet reference;
#   - the passive checks alone: one `gpu-node probe --passive` and the six passive judgements;
#   - with --fanout N (the local target): the probe check over every node through one srun, on a local
#     SLURM cluster of 1 node and of N nodes, each in a state directory of its own, brought up and down
#     here (the local stack must be down: it needs its ports and names).
# Usage: bench/gpu-node.sh [--config FILE] [--report-dir DIR] [--fanout N]
set -euo pipefail
# shellcheck source=test-infra/lib/init.sh
source "$(dirname "${BASH_SOURCE[0]}")/../test-infra/lib/init.sh"
# shellcheck source=bench/lib.sh
source "$CC_ROOT/bench/lib.sh"
cd "$CC_ROOT"

config=tests/gpu/gpu-node-host.yaml report='' fanout=0
while (($#)); do
  case $1 in
    --config) config=${2:?--config needs a FILE}; shift ;;
    --report-dir) report=${2:?--report-dir needs a DIR}; shift ;;
    --fanout) fanout=${2:-}; [[ "$fanout" =~ ^[1-9][0-9]?$ ]] || log::die "bench: --fanout takes a node count from 1 to 99, got '$fanout'" 2; shift ;;
    -h | --help) util::header "$0"; exit 0 ;;
    *) log::die "bench: unknown argument '$1' (see: $0 --help)" 2 ;;
  esac
  shift
done
[[ -f "$config" ]] || log::die "bench: --config $config: no such file" 2
tmp=$(mktemp -d)
util::trap_add "rm -rf '$tmp'" EXIT
report=${report:-$tmp/report}

printf 'machine: %s CPUs, %s GiB memory\n' "$(nproc)" "$(awk '/MemTotal/ {printf "%d", $2 / 1048576}' /proc/meminfo)"

# 1. the whole framework
start=$(util::now) rc=0
NO_COLOR=1 frameworks/test-gpu-node-framework.sh e2e --config "$config" --report-dir "$report" >"$tmp/run.log" 2>&1 || rc=$?
printf '%-44s %7.1f s  (exit %d)  %s\n' "gpu-node framework, e2e" "$(util::elapsed "$start")" "$rc" "$(grep -o 'gpu-node: [0-9].*' "$tmp/run.log" | tail -n 1)"
awk '$2 ~ /^(PASSED|FAILED|SKIPPED|ERROR)$/ && $3 ~ /s$/ { m = NF >= 4 ? substr($0, index($0, $4)) : ""; printf "    %-28s %-8s %7s  %.150s\n", $1, $2, $3, m }' "$tmp/run.log"
for probe in "$report"/artifacts/check-gpu-probe/probes/*.json; do
  [[ -e "$probe" ]] || continue
  python3 - "$probe" <<'PY'
import json, sys
from clustercheck.gpunode import reference
r = json.load(open(sys.argv[1]))
act = r.get("active", {})
print(f"    node {r['node']}: probe {r.get('seconds', '?')} s" + (f", torch import {act.get('import_s')} s, measurements {act.get('seconds')} s" if "gpus" in act else f", active: {act.get('skipped', r.get('error'))}"))
for g in r.get("gpus", []):
    key, ref = reference.for_model(g["name"])
    a = g.get("active")
    if not a:
        continue
    link = reference.link_gbps(g["before"]["pcie_max_gen"], g["before"]["pcie_max_width"])
    print(f"    GPU {g['index']} {g['name']}: bf16 {a['gemm_bf16_tflops']} TFLOP/s (datasheet {ref.get('bf16_tflops')}), "
          f"tf32 {a['gemm_tf32_tflops']} ({ref.get('tf32_tflops')}), copy {a['copy_tbps']} TB/s ({ref.get('memory_tbps')}), "
          f"H2D {a['h2d_gbps']} / D2H {a['d2h_gbps']} GB/s (link {link:.1f}), memtest {a['memtest']['bytes'] >> 30} GiB "
          f"{a['memtest']['mismatches']} mismatches in {a['memtest']['seconds']} s, sdc rel error {a['sdc']['max_rel_error']}, "
          f"all on this GPU {a['seconds']} s")
PY
done

# 2. the passive checks alone
eval "$(clustercheck config export "$config" -o /dev/stdout | grep '^CC_GPU_NODE_SIMULATED_')"
sim=()
if [[ -n "${CC_GPU_NODE_SIMULATED_DEVICES_DIR:-}" ]]; then
  sim=(env "PYTHONPATH=$CC_GPU_NODE_SIMULATED_NVML_MODULE" "CC_NVML_SIM=$CC_GPU_NODE_SIMULATED_DEVICES_DIR/default.json")
fi
start=$(util::now)
"${sim[@]}" clustercheck gpu-node probe --passive --node passive --out "$tmp/passive.json" 2>/dev/null || true
for c in inventory memory xid pcie throttle nvlink; do
  clustercheck gpu-node judge "$c" "$tmp/passive.json" --config "$config" >"$tmp/passive-$c.tsv"
done
printf '%-44s %7.1f s  (budget 5 s)\n' "passive checks (probe --passive + 6 judgements)" "$(util::elapsed "$start")"

# 3. the fan-out over the local SLURM cluster
((fanout)) || exit 0
bench::hpc_must_be_down
state=$(mktemp -d)
bench::hpc_base "$state"
base=$BENCH_HPC_BASE
util::trap_add "CC_STACK_CONFIG='$base' test-infra/local/stack down hpc >/dev/null 2>&1 || true; rm -rf '$state'" EXIT
# bench::fanout N: a local SLURM cluster of N nodes up, the probe check over it, the cluster down again.
bench::fanout() {
  local cfg fan wall
  cfg=$(bench::hpc_nodes "$base" "$1")
  CC_STACK_CONFIG=$cfg test-infra/local/stack up hpc >"$tmp/up-$1.log" 2>&1 ||
    { tail -n 5 "$tmp/up-$1.log"; log::die "bench: a local SLURM cluster of $1 nodes did not come up" 1; }
  NO_COLOR=1 frameworks/test-gpu-node-framework.sh run-test check-gpu-probe --config "$cfg" --report-dir "$tmp/fan-$1" >"$tmp/fan-$1.log" 2>&1 || true
  fan=$(sed -n 's/.*"name":"gpu_probe_fanout","value":"\([0-9.]*\)".*/\1/p' "$tmp/fan-$1"/artifacts/check-gpu-probe/metrics.jsonl)
  wall=$(sed -n 's/.*"name":"gpu_probe_wall","value":"\([0-9.]*\)".*/\1/p' "$tmp/fan-$1"/artifacts/check-gpu-probe/metrics.jsonl)
  printf '%-44s %7.1f s  (srun %s s)  %s\n' "probe check over $1 local node(s)" "${wall:-0}" "${fan:-?}" \
    "$(grep -o 'PASS: .*\|FAIL: .*' "$tmp/fan-$1"/artifacts/check-gpu-probe/output.log | tail -n 1 | cut -c1-100)"
  CC_STACK_CONFIG=$cfg test-infra/local/stack down hpc >/dev/null 2>&1 || true
  printf '%s\n' "${wall:-0}" >"$tmp/wall-$1"
}
bench::fanout 1
bench::fanout "$fanout"
awk -v a="$(cat "$tmp/wall-1")" -v b="$(cat "$tmp/wall-$fanout")" -v n="$fanout" \
  'BEGIN { printf "%-44s %7.2f x  (budget 2 x)\n", "probe check, " n " nodes / 1 node", (a > 0 ? b / a : 0) }'
