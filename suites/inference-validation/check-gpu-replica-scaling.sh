#!/usr/bin/env bash
# Check: one model-server replica per GPU (inference.replicas) scales: N replicas' capacity over one's
# (the ratio) reaches objectives.replica_scaling_pct of N, each replica answers its share, and each
# replica's GPU is busy under it - per replica and per GPU, never averaged
# depends: check-inference-request-response
# timeout: 900
set -euo pipefail
# shellcheck source=suites/inference-validation/lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
n=${CC_INFERENCE_REPLICAS_COUNT:-0}
((n >= 2)) || check::skip "no replicas to compare: inference.replicas lists one model-server endpoint per GPU (two or more)"

facts::run replicas inference replica-scaling
single=$(facts::get replicas single.max_rate) all=$(facts::get replicas aggregate.max_rate)
[[ "$single" != 0* ]] || check::fail "one replica alone met the objective at no rate ($(facts::get replicas single.stopped))"
facts::true replicas split.offered ||
  check::error "the load generator sent $(facts::get replicas split.achieved_rate) of $(facts::get replicas split.rate) req/s across the replicas (under 95%; sends late by $(facts::get replicas split.lag_p99_ms) ms at p99): the figures would under-report them"
check::metric throughput_one_replica "$single" req/s
check::metric throughput_all_replicas "$all" req/s
ratio=$(facts::get replicas ratio)
check::metric scaling_ratio "$ratio" x
efficiency=$(awk -v r="$ratio" -v n="$n" 'BEGIN { printf "%.1f", 100 * r / n }')
check::objective scaling_efficiency "$efficiency" % ">=" "inference.objectives.replica_scaling_pct" || true

# each replica: its own throughput at the aggregate capacity, its own GPU's utilisation
share=$(awk -v t="$(facts::get replicas split.throughput)" -v n="$n" 'BEGIN { printf "%.2f", t / n }')
gpus=$(facts::get replicas gpu_source)
parts=()
for ((i = 0; i < n; i++)); do
  g=$(facts::get replicas "replica.$i.gpu") tput=$(facts::get replicas "replica.$i.throughput")
  check::metric "replica${i}_gpu${g}_throughput" "$tput" req/s
  errors=$(facts::get replicas "replica.$i.errors")
  ((errors == 0)) || check::note_failure "replica $i ($(facts::get replicas "replica.$i.url"), GPU $g): $errors request(s) failed"
  awk -v t="$tput" -v s="$share" 'BEGIN { exit !(t >= 0.8 * s) }' ||
    check::note_failure "replica $i (GPU $g) answered $tput req/s, under 80% of its share ($share req/s)"
  part="replica $i: GPU $g, $tput req/s"
  if [[ "$gpus" != none* ]]; then
    util=$(facts::get replicas "gpu.$g.mean_pct")
    if [[ -z "$util" ]]; then
      check::note_failure "replica $i is on GPU $g, which the GPU metrics do not show"
    else
      check::objective "gpu${g}_utilization" "$util" % ">=" "inference.objectives.gpu_utilization_pct" || true
      part+=", ${util}% busy"
    fi
  fi
  parts+=("$part")
done
summary="$n replicas take ${ratio}x one replica ($all vs $single req/s); $(printf '%s\n' "${parts[@]}" | paste -sd';' - | sed 's/;/; /g')"
# Without GPU metrics the per-GPU half of the check is not done: a skip with the reason, never a pass.
((${#CHECK_FAILURES[@]} == 0)) || check::finish ""
[[ "$gpus" != none* ]] || check::skip "$summary; each replica's GPU not checked: ${gpus#none: }"
check::finish "$summary"
