#!/usr/bin/env bash
# Check: srun offers the cluster's MPI plugin (hpc.slurm.mpi, PMIx by default) and an MPI job starts
# through it: its ranks see one world of the right size, and PMIx is hpc.slurm.min_pmix_version or later
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
if [[ "$mpi" == pmix* ]]; then
  # the PMIx server sets PMIX_VERSION in every task it starts
  pmix=$(sed -n 's/^pmix_version //p' <<<"$SRUN_OUTPUT" | head -n 1)
  check::metric pmix_version "${pmix:-none}" ""
  if [[ -z "$pmix" || "$pmix" == none ]]; then
    check::note_failure "the job's tasks got no PMIX_VERSION: not started through a PMIx server"
  elif ! util::version_ge "$pmix" "$CC_HPC_SLURM_MIN_PMIX_VERSION"; then
    check::note_failure "PMIx $pmix is older than the minimum hpc.slurm.min_pmix_version $CC_HPC_SLURM_MIN_PMIX_VERSION"
  fi
fi
check::finish "srun offers $mpi; a 2-rank MPI job started through it with one world"
