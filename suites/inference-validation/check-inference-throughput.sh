#!/usr/bin/env bash
# Check: capacity - the open-loop rate is raised (past inference.sweep.rates, up to sweep.max_rate) until the latency objective breaks; that capacity meets req/s per GPU
# depends: check-inference-request-response
# timeout: 600
set -euo pipefail
# shellcheck source=suites/inference-validation/lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

facts::run sweep inference sweep
max=$(facts::get sweep max_rate)
stopped=$(facts::get sweep stopped)
saturated=$(facts::get sweep saturated)
[[ "$stopped" != generator-limited* ]] || [[ "$max" != 0* ]] ||
  check::error "the load generator could not produce even the first rate ($stopped)"
facts::run per-gpu inference per-gpu "$max"
log::info "throughput judged $(facts::get per-gpu basis); sweep stopped: $stopped"
check::metric throughput_max "$max" "req/s"
check::metric throughput_per_gpu "$(facts::get per-gpu per_gpu_rate)" "req/s" ">=" "$CC_INFERENCE_OBJECTIVES_MIN_RPS_PER_GPU" || true
if [[ "$saturated" == yes ]]; then
  capacity="$max req/s"
else
  # the bound, or a generator that could not go faster, came first: the server's limit is higher
  capacity="at least $max req/s (not saturated)"
fi
check::finish "capacity $capacity within p95 <= $CC_INFERENCE_OBJECTIVES_P95_MS ms ($(facts::get per-gpu basis); stopped: $stopped)"
