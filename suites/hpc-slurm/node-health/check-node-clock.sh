#!/usr/bin/env bash
# Check: every compute node's clock agrees with the controller's within hpc.slurm.max_clock_skew_s
# (MUNGE credentials and job times depend on it)
# depends: check-slurm-controller
set -euo pipefail
# shellcheck source=suites/hpc-slurm/node-health/lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

max=$CC_HPC_SLURM_MAX_CLOCK_SKEW_S
# A node read its clock at some moment between the controller's time before and after the job, so its
# offset lies in [t - after, t - before]. Failed when all of that range is beyond the skew; passed when
# all of it is within; otherwise the job took too long to tell, and the node is named not judged (a slow
# srun never widens what passes).
before=$(date +%s.%N)
node_health::gather clock 'date +%s.%N'
after=$(date +%s.%N)
worst=0 judged=0 unjudged=()
# shellcheck disable=SC2317 # called through node_health::each
judge() {
  local node=$1 t=$2 verdict
  [[ "$t" =~ ^[0-9]+\.[0-9]+$ ]] || { check::note_failure "$node: no time reading ($t)"; return 0; }
  verdict=$(awk -v t="$t" -v a="$before" -v b="$after" -v m="$max" 'BEGIN {
    lo = t - b; hi = t - a; far = (lo > 0) ? lo : (hi < 0) ? -hi : 0; near = (hi > -lo) ? hi : -lo
    if (far > m) printf "fail %.3f", far; else if (near <= m) printf "ok %.3f", near; else printf "wide %.3f", b - a }')
  case $verdict in
    fail*) check::note_failure "$node: clock off by at least ${verdict#* }s from the controller's (max ${max}s)" ;;
    ok*)
      judged=$((judged + 1))
      awk -v s="${verdict#* }" -v w="$worst" 'BEGIN { exit !(s > w) }' && worst=${verdict#* } ;;
    wide*) unjudged+=("$node") ;;
  esac
  return 0
}
node_health::each judge
window=$(awk -v a="$before" -v b="$after" 'BEGIN { printf "%.3f", b - a }')
((${#unjudged[@]} == 0)) ||
  log::warn "not judged: ${unjudged[*]}: the job took ${window}s, too long to bound their clocks within ${max}s"
((${#CHECK_FAILURES[@]} || judged || ${#unjudged[@]} == 0)) ||
  check::skip "no clock judged: the job over the nodes took ${window}s, too long to bound an offset within ${max}s (not judged: ${unjudged[*]:-none})"
check::metric worst_clock_skew "$worst" s "<=" "$max" || true
node_health::finish "$judged of ${#HEALTH_NODES[@]} node clocks within ${max}s of the controller's (worst at most ${worst}s; the job took ${window}s)${unjudged:+; not judged, the job too slow to bound them: ${unjudged[*]}}"
