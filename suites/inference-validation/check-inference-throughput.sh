#!/usr/bin/env bash
# Check: capacity - the open-loop rate is raised (past inference.sweep.rates, up to sweep.max_rate) until the latency objective breaks; that capacity meets req/s per GPU (per serving instance where no GPU is seen)
# depends: check-inference-request-response
# timeout: 600
set -euo pipefail
# shellcheck source=suites/inference-validation/lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

facts::run sweep inference sweep
max=$(facts::get sweep max_rate)
stopped=$(facts::get sweep stopped)
saturated=$(facts::get sweep saturated)
knee=$(facts::get sweep knee)
[[ "$stopped" != generator-limited* ]] || [[ "$max" != 0* ]] ||
  check::error "the load generator could not produce even the first rate ($stopped)"
facts::run per-gpu inference per-gpu "$max"
basis=$(facts::get per-gpu basis)
log::info "throughput judged $basis; sweep stopped: $stopped; knee: ${knee:-none}; spread: $(facts::get sweep spread)"
check::metric throughput_max "$max" "req/s"
if (($(facts::get per-gpu gpus) > 0)); then
  check::objective throughput_per_gpu "$(facts::get per-gpu per_gpu_rate)" "req/s" ">=" "inference.objectives.min_rps_per_gpu" || true
elif [[ -n "${CC_INFERENCE_OBJECTIVES_MIN_RPS_PER_INSTANCE:-}" ]]; then
  # no GPU: the server is judged as one serving instance, under the objective named so
  check::objective throughput_per_instance "$max" "req/s" ">=" "inference.objectives.min_rps_per_instance" || true
else
  check::metric throughput_per_instance "$max" "req/s"
  ((${#CHECK_FAILURES[@]} == 0)) || check::finish ""
  check::skip "capacity $max req/s measured; min_rps_per_gpu not judged: $basis - set inference.objectives.min_rps_per_instance to judge it per instance"
fi
if [[ "$saturated" == yes ]]; then
  capacity="$max req/s"
else
  # the bound, or a generator that could not go faster, came first: the server's limit is higher
  capacity="at least $max req/s (not saturated)"
fi
check::finish "capacity $capacity within p95 <= $CC_INFERENCE_OBJECTIVES_P95_MS ms ($basis; stopped: $stopped${knee:+; knee: $knee}; load from $(facts::get sweep where))"
