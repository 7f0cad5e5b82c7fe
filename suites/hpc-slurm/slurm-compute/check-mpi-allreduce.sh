#!/usr/bin/env bash
# Check: an MPI job of 2 nodes x 2 ranks runs; every rank reports its rank and node, and an allreduce
# gives the right sum
# depends: check-slurm-pmix
set -euo pipefail
# shellcheck source=suites/hpc-slurm/lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/../lib.sh"

nodes=2
((CC_HPC_SLURM_NODES >= 2)) || nodes=1
ranks=$((nodes * 2))
slurm::program mpi_allreduce.py
prog=$SLURM_PROGRAM
start=$(util::now)
# -K: a rank that dies ends the job at once (the others would wait in the allreduce until the time limit)
slurm::srun -K --mpi="$CC_HPC_SLURM_MPI" -N "$nodes" --ntasks-per-node=2 "$CC_HPC_SLURM_MPI_PYTHON" "$prog"
elapsed=$(util::elapsed "$start")
printf '%s\n' "$SRUN_OUTPUT" >"$CC_ARTIFACT_DIR/mpi-job.txt"
if ((SRUN_RC != 0)); then
  ! grep -q 'Requested nodes are busy' <<<"$SRUN_OUTPUT" || slurm::skip_when_busy "the job"
  check::fail "the MPI job ($nodes nodes x 2 ranks) failed (exit $SRUN_RC): $(slurm::step_failure)"
fi
for ((r = 0; r < ranks; r++)); do
  grep -q "^rank $r of $ranks on " <<<"$SRUN_OUTPUT" || check::note_failure "rank $r of $ranks did not report (got: $(grep '^rank ' <<<"$SRUN_OUTPUT" | tr '\n' ';'))"
done
mapfile -t per_node < <(sed -n 's/^rank [0-9]* of [0-9]* on //p' <<<"$SRUN_OUTPUT" | sort | uniq -c | awk '{ print $2 "=" $1 }')
check::expect_eq "nodes the ranks ran on (${per_node[*]})" "${#per_node[@]}" "$nodes"
for entry in "${per_node[@]}"; do [[ "${entry#*=}" == 2 ]] || check::note_failure "node ${entry%=*} ran ${entry#*=} ranks, expected 2"; done
check::expect_eq "allreduce of 1..$ranks" "$(sed -n 's/^sum //p' <<<"$SRUN_OUTPUT")" $((ranks * (ranks + 1) / 2))
check::metric mpi_job "$elapsed" s
check::finish "$ranks ranks on $nodes nodes reported; allreduce gave $((ranks * (ranks + 1) / 2)) in ${elapsed}s"
