#!/usr/bin/env bash
# Check: slurmctld answers, the partition is up and every expected node responds (sinfo)
set -euo pipefail
# shellcheck source=suites/hpc-slurm/lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

ping=$(timeout 15 scontrol ping 2>&1) || true
[[ "$ping" == *"is UP"* ]] || check::fail "slurmctld does not answer: $(tail -n 1 <<<"$ping")"
log::ok "$ping"

avail=$(sinfo -h -p "$CC_HPC_SLURM_PARTITION" -o '%a' 2>/dev/null | head -n 1)
[[ -n "$avail" ]] || check::fail "partition $CC_HPC_SLURM_PARTITION does not exist"
check::expect_eq "partition $CC_HPC_SLURM_PARTITION availability" "$avail" up

ready=0 bad=()
while read -r node state; do
  case $state in
    idle | mixed | allocated | completing) ready=$((ready + 1)) ;;
    *) bad+=("$node is $state") ;;
  esac
done < <(slurm::nodes)
check::metric nodes_responding "$ready" nodes ">=" "$CC_HPC_SLURM_NODES" || true
((${#bad[@]} == 0)) || check::note_failure "not usable: ${bad[*]}"
check::finish "slurmctld up; partition $CC_HPC_SLURM_PARTITION up with $ready node(s) responding"
