#!/usr/bin/env bash
# Check: every compute node's MUNGE issues a credential that the controller's MUNGE accepts (same key)
# depends: check-munge-auth
set -euo pipefail
# shellcheck source=suites/hpc-slurm/node-health/lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

socket=()
[[ -z "${CC_HPC_SLURM_MUNGE_SOCKET:-}" ]] || socket=(--socket="$CC_HPC_SLURM_MUNGE_SOCKET")
node_health::gather munge "munge -n ${socket[*]}"
# shellcheck disable=SC2317 # called through node_health::each
judge() {
  local node=$1 cred=$2 decoded
  [[ "$cred" == MUNGE:* ]] || { check::note_failure "$node: MUNGE issued no credential: $cred"; return 0; }
  decoded=$(unmunge "${socket[@]}" <<<"$cred" 2>&1) || true
  if grep -q '^STATUS: *Success' <<<"$decoded"; then
    log::ok "$node: credential accepted by the controller"
  else
    check::note_failure "$node: its credential is rejected by the controller's MUNGE ($(head -n 1 <<<"$decoded"); a different key?)"
  fi
}
node_health::each judge
node_health::finish "MUNGE credentials from all ${#HEALTH_NODES[@]} nodes accepted by the controller"
