#!/usr/bin/env bash
# Check: slurm.conf reserves a port range for MPI (MpiParams=ports=A-B; hpc.slurm.mpi_ports, when set,
# is the range expected) and no process listens in that range on any compute node - a daemon there
# takes the ports that srun hands to an MPI step
# depends: check-slurm-controller
set -euo pipefail
# shellcheck source=suites/hpc-slurm/node-health/lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/../node-health/lib.sh"

params=$(slurm::setting MpiParams)
range=$(sed -n 's/.*ports=\([0-9]*-[0-9]*\).*/\1/p' <<<"$params")
if [[ -z "$range" ]]; then
  [[ -n "${CC_HPC_SLURM_MPI_PORTS:-}" ]] ||
    check::skip "the cluster reserves no MPI port range (MpiParams=${params:-(null)}) and the config expects none (hpc.slurm.mpi_ports)"
  check::fail "MpiParams sets no port range (MpiParams=${params:-(null)}), expected ports=$CC_HPC_SLURM_MPI_PORTS"
fi
[[ -z "${CC_HPC_SLURM_MPI_PORTS:-}" ]] || check::expect_eq "MpiParams port range" "$range" "$CC_HPC_SLURM_MPI_PORTS"
lo=${range%-*} hi=${range#*-}
((lo > 1023 && lo <= hi && hi <= 65535)) || check::note_failure "MpiParams port range $range is not a range of unprivileged ports"

# every listening TCP socket on each node, by port
# shellcheck disable=SC2016 # expanded on the node
node_health::gather listeners 'ss -Htln 2>/dev/null | awk "{ n = split(\$4, a, \":\"); printf \"%s \", a[n] } END { print \"\" }"'
# shellcheck disable=SC2317 # called through node_health::each
judge() {
  local node=$1 ports=$2 p taken=()
  for p in $ports; do ((p < lo || p > hi)) || taken+=("$p"); done
  ((${#taken[@]} == 0)) || check::note_failure "$node: port(s) ${taken[*]} of the MPI range $range already in use (listening)"
}
node_health::each judge
node_health::finish "MpiParams reserves ports $range; none is in use on any of the ${#HEALTH_NODES[@]} nodes"
