#!/usr/bin/env bash
# Check: pi by MPI across nodes (midpoint rule, partial sums reduced on rank 0) is within 1e-6 of pi
# depends: check-slurm-pmix
set -euo pipefail
# shellcheck source=suites/hpc-slurm/lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/../lib.sh"

nodes=$CC_HPC_SLURM_NODES
((nodes <= 4)) || nodes=4
ranks=$((nodes * 2))
intervals=$CC_HPC_SLURM_EXAMPLES_PI_INTERVALS
slurm::program mpi_pi.py
prog=$SLURM_PROGRAM
start=$(util::now)
slurm::srun -K --mpi="$CC_HPC_SLURM_MPI" -N "$nodes" --ntasks-per-node=2 "$CC_HPC_SLURM_MPI_PYTHON" "$prog" "$intervals"
elapsed=$(util::elapsed "$start")
printf '%s\n' "$SRUN_OUTPUT" >"$CC_ARTIFACT_DIR/pi.txt"
if ((SRUN_RC != 0)); then
  ! grep -q 'Requested nodes are busy' <<<"$SRUN_OUTPUT" || slurm::skip_when_busy "the job"
  check::fail "the pi job failed (exit $SRUN_RC): $(slurm::step_failure)"
fi
[[ "$(grep -c '^pi ' <<<"$SRUN_OUTPUT" || true)" == 1 ]] ||
  check::fail "expected one answer from rank 0, got: $(grep '^pi ' <<<"$SRUN_OUTPUT" | tr '\n' ';') (ranks not in one MPI world?)"
read -r _ pi _ world <<<"$(grep '^pi ' <<<"$SRUN_OUTPUT")"
check::expect_eq "MPI world size" "$world" "$ranks"
err=$(awk -v p="$pi" 'BEGIN { d = p - atan2(0, -1); if (d < 0) d = -d; printf "%.3g", d }')
check::metric pi_error "$err" "" "<=" 1e-6 || true
check::metric pi_job "$elapsed" s
check::finish "pi = $pi from $ranks ranks on $nodes nodes ($intervals intervals), off by $err"
