#!/usr/bin/env bash
# Check: every compute node's clock agrees with the controller's within hpc.slurm.max_clock_skew_s
# (MUNGE credentials and job times depend on it)
# depends: check-slurm-controller
set -euo pipefail
# shellcheck source=suites/hpc-slurm/node-health/lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

max=$CC_HPC_SLURM_MAX_CLOCK_SKEW_S
# Each node's time must fall between the controller's time before and after the job, give or take the skew.
before=$(date +%s.%N)
health::gather clock 'date +%s.%N'
after=$(date +%s.%N)
worst=0
# shellcheck disable=SC2317 # called through health::each
judge() {
  local node=$1 t=$2 skew
  [[ "$t" =~ ^[0-9]+\.[0-9]+$ ]] || { check::note_failure "$node: no time reading ($t)"; return 0; }
  skew=$(awk -v t="$t" -v a="$before" -v b="$after" 'BEGIN { s = 0; if (t < a) s = a - t; if (t > b) s = t - b; printf "%.3f", s }')
  awk -v s="$skew" -v w="$worst" 'BEGIN { exit !(s > w) }' && worst=$skew
  awk -v s="$skew" -v m="$max" 'BEGIN { exit !(s > m) }' && check::note_failure "$node: clock off by ${skew}s from the controller's (max ${max}s)"
  return 0
}
health::each judge
check::metric worst_clock_skew "$worst" s "<=" "$max" || true
health::finish "all ${#HEALTH_NODES[@]} node clocks within ${max}s of the controller's (worst ${worst}s)"
