#!/usr/bin/env bash
# Check: an MPI job of containers spans two nodes - one container per rank, wired up through SLURM's
# PMIx with the host MPI stack bound in - and the ranks agree on an allreduce
set -euo pipefail
# shellcheck source=suites/hpc-runtime/lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/../lib.sh"

slurm::usable_nodes
((${#SLURM_USABLE[@]} >= 2)) || check::skip "needs 2 usable nodes, the partition has ${#SLURM_USABLE[@]}"
runtime::use_cluster_image
slurm::program mpi_allreduce.py
prog=$SLURM_PROGRAM
slurm::srun -N2 -n2 --ntasks-per-node=1 --mpi="$CC_HPC_SLURM_MPI" "$CONTAINER_RUN" --mpi --bind "$SLURM_JOB_DIR:$SLURM_JOB_DIR:ro" \
  -- "$CC_HPC_SLURM_MPI_PYTHON" "$prog"
[[ "$SRUN_RC" == 0 ]] || check::fail "the MPI job of containers failed: $(grep -m1 'container-run:' <<<"$SRUN_OUTPUT" || slurm::step_failure)"
ranks=$(grep -E '^rank [0-9]+ of ' <<<"$SRUN_OUTPUT" | sort || true)
log::info "$(paste -sd ';' <<<"$ranks")"
check::expect_eq "ranks reporting" "$(wc -l <<<"$ranks" | tr -d ' ')" 2
check::expect_eq "world size each rank sees" "$(awk '{print $4}' <<<"$ranks" | sort -u | paste -sd, -)" 2
spanned=$(awk '{print $6}' <<<"$ranks" | sort -u | wc -l)
((spanned == 2)) || check::note_failure "the ranks ran on $spanned node(s), not 2"
check::expect_eq "allreduce of rank + 1 over 2 ranks" "$(awk '/^sum / { print $2 }' <<<"$SRUN_OUTPUT")" 3
check::finish "2 containerised ranks on $(awk '{print $6}' <<<"$ranks" | sort -u | paste -sd, -) agree: allreduce 3"
