#!/usr/bin/env bash
# Check: every compute node's MUNGE key (hpc.slurm.munge_key) is a non-empty file owned by the munge
# user and readable by no one else (mode 0400 or 0600): whoever reads the key can forge any user's
# credentials to the whole cluster
# depends: check-slurm-controller
set -euo pipefail
# shellcheck source=suites/hpc-slurm/node-health/lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

key=$CC_HPC_SLURM_MUNGE_KEY
node_health::gather munge_key "stat -c 'owner=%U mode=%a size=%s' $(printf '%q' "$key") 2>&1"
# shellcheck disable=SC2317 # called through node_health::each
judge() {
  local node=$1 value=$2 owner mode size
  [[ "$value" == owner=* ]] || { check::note_failure "$node: no MUNGE key at $key ($value)"; return 0; }
  read -r owner mode size <<<"$value"
  owner=${owner#owner=} mode=${mode#mode=} size=${size#size=}
  [[ "$owner" == munge ]] || check::note_failure "$node: $key is owned by $owner, not munge"
  # any group or other permission bit exposes the key
  (((8#$mode & 8#077) == 0)) || check::note_failure "$node: $key has mode $mode: others can read it (expected 400 or 600)"
  ((size > 0)) || check::note_failure "$node: $key is empty"
}
node_health::each judge
node_health::finish "the MUNGE key $key is munge's alone (0400/0600) on all ${#HEALTH_NODES[@]} nodes"
