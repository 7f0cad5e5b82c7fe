#!/usr/bin/env bash
# Check: slurmd is up on every compute node - each answers the controller and, inside a job on the node,
# its local slurmd answers `scontrol show slurmd` with the controller's SLURM version
# depends: check-slurm-controller
set -euo pipefail
# shellcheck source=suites/hpc-slurm/node-health/lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

version=$(scontrol version | awk '{ print $2 }')
# shellcheck disable=SC2016 # expanded on the node
node_health::gather slurmd 'scontrol show slurmd | awk -F " *= *" "/^Version|^Slurmd PID/ { printf \"%s=%s \", \$1, \$2 } END { print \"\" }"'
# shellcheck disable=SC2317 # called through node_health::each
judge() {
  local node=$1 value=$2
  [[ "$value" == *"Slurmd PID="[0-9]* ]] || { check::note_failure "$node: its slurmd did not answer on the node ($value)"; return 0; }
  [[ "$value" == *"Version=$version"* ]] || check::note_failure "$node: slurmd is not version $version ($value)"
}
node_health::each judge
node_health::finish "slurmd up and answering on all ${#HEALTH_NODES[@]} nodes (SLURM $version)"
