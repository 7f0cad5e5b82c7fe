#!/usr/bin/env bash
# Check: srun offers the cluster's MPI plugin (hpc.slurm.mpi, PMIx by default) and an MPI job starts
# through it: its ranks see one world of the right size
# depends: check-slurm-controller
set -euo pipefail
# shellcheck source=suites/hpc-slurm/lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/../lib.sh"

mpi=$CC_HPC_SLURM_MPI
plugins=$(srun --mpi=list 2>&1) || check::fail "srun --mpi=list failed: $(tail -n 1 <<<"$plugins")"
printf '%s\n' "$plugins" >"$CC_ARTIFACT_DIR/mpi-list.txt"
offered=$(awk '/^[[:space:]]+[a-z0-9_]+$/ { print $1 } /pmix plugin versions available:/ { gsub(/,/, " "); for (i = 6; i <= NF; i++) print $i }' <<<"$plugins" | sort -u)
grep -qx -- "$mpi" <<<"$offered" ||
  check::fail "srun --mpi=list does not offer $mpi (offered: $(tr '\n' ' ' <<<"$offered"); the cluster uses $(slurm::setting MpiDefault) by default)"
log::ok "srun offers: $(tr '\n' ' ' <<<"$offered")"

slurm::program mpi_allreduce.py
prog=$SLURM_PROGRAM
slurm::srun -K --mpi="$mpi" -N1 -n2 "$CC_HPC_SLURM_MPI_PYTHON" "$prog"
printf '%s\n' "$SRUN_OUTPUT" >"$CC_ARTIFACT_DIR/mpi-job.txt"
if ((SRUN_RC != 0)); then
  ! grep -q 'Requested nodes are busy' <<<"$SRUN_OUTPUT" || slurm::skip_when_busy "the job"
  check::fail "an MPI job through --mpi=$mpi failed (exit $SRUN_RC): $(slurm::step_failure)"
fi
world=$(grep -c '^rank [0-9]* of 2 on ' <<<"$SRUN_OUTPUT" || true)
check::expect_eq "ranks that see a world of 2 (a rank started without $mpi sees a world of 1)" "$world" 2
check::expect_eq "allreduce of 1 + 2" "$(sed -n 's/^sum //p' <<<"$SRUN_OUTPUT")" 3
check::finish "srun offers $mpi; a 2-rank MPI job started through it with one world"
