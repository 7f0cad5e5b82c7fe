#!/usr/bin/env bash
# Check: every compute node has writable scratch space (hpc.slurm.scratch_dir) with at least
# hpc.slurm.scratch_min_free_mib free
# depends: check-slurm-controller
set -euo pipefail
# shellcheck source=suites/hpc-slurm/node-health/lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

dir=${CC_HPC_SLURM_SCRATCH_DIR:-}
[[ -n "$dir" ]] || check::skip "no scratch directory configured (hpc.slurm.scratch_dir)"
min=$CC_HPC_SLURM_SCRATCH_MIN_FREE_MIB
# shellcheck disable=SC2016 # expanded on the node
node_health::gather scratch "d=$(printf '%q' "$dir")"'
f=$(mktemp -p "$d" .cc-scratch-XXXXXX 2>&1) && echo probe >"$f" && rm -f "$f" && w=yes || w="no (${f})"
echo "writable=$w free_mib=$(df -Pm "$d" 2>/dev/null | awk "NR == 2 { print \$4 }")"'
# shellcheck disable=SC2317 # called through node_health::each
judge() {
  local node=$1 value=$2 free
  [[ "$value" == writable=yes* ]] || { check::note_failure "$node: $dir is not writable: $value"; return 0; }
  free=$(sed -n 's/.*free_mib=\([0-9]*\).*/\1/p' <<<"$value")
  ((${free:-0} >= min)) || check::note_failure "$node: ${free:-no} MiB free in $dir, expected at least $min"
}
node_health::each judge
node_health::finish "scratch $dir writable with >= $min MiB free on all ${#HEALTH_NODES[@]} nodes"
