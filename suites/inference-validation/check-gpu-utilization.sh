#!/usr/bin/env bash
# Check: GPU utilisation under load reaches the objective on every serving GPU, each GPU by itself
# (inference.gpu.indices, default all; NVML index and UUID, or DCGM labels), never averaged: a GPU that
# does not serve is reported with its own figure, not judged
# depends: check-inference-request-response
# timeout: 300
set -euo pipefail
# shellcheck source=suites/inference-validation/lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
inference::require_gpu

facts::run gpu-load inference load --gpu
inference::judge_generator gpu-load
serving=() others=()
while IFS=$'\t' read -r key mean; do
  id=${key#gpu.}
  id=${id%.mean_pct}
  uuid=$(facts::get gpu-load "gpu.$id.uuid")
  if [[ "$(facts::get gpu-load "gpu.$id.serving")" == 1 ]]; then
    serving+=("GPU $id ${mean}%")
    log::info "GPU $id ($uuid) serves: ${mean}% busy under load"
    check::objective "gpu${id}_utilization" "$mean" % ">=" "inference.objectives.gpu_utilization_pct" || true
  else
    others+=("GPU $id ${mean}% (not serving)")
    log::info "GPU $id ($uuid) does not serve: ${mean}% busy"
    check::metric "gpu${id}_utilization" "$mean" %
  fi
done < <(facts::matching gpu-load gpu. | grep '\.mean_pct')
((${#serving[@]})) || check::error "no serving GPU sampled ($(facts::get gpu-load gpu_error))"
check::metric gpu_sample_rate "$(facts::get gpu-load gpu_sample_hz)" Hz
check::finish "$(printf '%s\n' "${serving[@]}" "${others[@]}" | paste -sd, - | sed 's/,/, /g') at $(facts::get gpu-load gpu_sample_hz) Hz under $(facts::get gpu-load achieved_rate) req/s"
