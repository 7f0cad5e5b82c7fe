#!/usr/bin/env bash
# Check: GPU utilisation under load reaches the objective on every serving GPU (NVML or DCGM)
# depends: check-inference-request-response
# timeout: 300
set -euo pipefail
# shellcheck source=suites/inference-validation/lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
inference::require_gpu

facts::run gpu-load inference load --gpu
inference::judge_generator gpu-load
n=0
while IFS=$'\t' read -r key mean; do
  n=$((n + 1))
  id=${key#gpu.}
  check::metric "gpu${id%%.*}_utilization" "$mean" % ">=" "$CC_INFERENCE_OBJECTIVES_GPU_UTILIZATION_PCT" || true
done < <(facts::matching gpu-load gpu. | grep mean_pct)
((n)) || check::error "no GPU utilisation samples ($(facts::get gpu-load gpu_error))"
check::metric gpu_sample_rate "$(facts::get gpu-load gpu_sample_hz)" Hz
check::finish "$n GPU(s) sampled at $(facts::get gpu-load gpu_sample_hz) Hz under $(facts::get gpu-load achieved_rate) req/s"
