#!/usr/bin/env bash
# Check: an interactive job step runs (srun) and its exit status comes back to the caller
# depends: check-slurm-controller
set -euo pipefail
# shellcheck source=suites/hpc-slurm/lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/../lib.sh"

start=$(util::now)
# shellcheck disable=SC2016 # expanded by the job's shell
slurm::srun -N1 -n1 bash -c 'echo "ran on $(hostname) as job $SLURM_JOB_ID"'
elapsed=$(util::elapsed "$start")
if ((SRUN_RC != 0)); then
  ! grep -q 'Requested nodes are busy' <<<"$SRUN_OUTPUT" || slurm::skip_when_busy "the job"
  check::fail "srun failed (exit $SRUN_RC): $(tail -n 1 <<<"$SRUN_OUTPUT")"
fi
check::expect "the step printed its job id (got: $SRUN_OUTPUT)" grep -q '^ran on .* as job [0-9]' <<<"$SRUN_OUTPUT"
check::metric srun_round_trip "$elapsed" s

slurm::srun -N1 -n1 bash -c 'exit 3'
check::expect_eq "exit status of a step that exits 3" "$SRUN_RC" 3
check::finish "srun ran a step in ${elapsed}s and returned its exit status"
