#!/usr/bin/env bash
# Check: a batch job (sbatch) is scheduled, runs to COMPLETED and writes its output
# depends: check-slurm-controller
set -euo pipefail
# shellcheck source=suites/hpc-slurm/lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/../lib.sh"

# shellcheck disable=SC2016 # expanded by the job's shell
slurm::submit batch 'echo "batch job $SLURM_JOB_ID on $SLURMD_NODENAME"; echo done-marker'
id=$SLURM_JOB dir=$SLURM_JOB_DIR
start=$(util::now)
if ! state=$(slurm::wait_state "$id" 'COMPLETED|FAILED|CANCELLED|TIMEOUT|NODE_FAIL|OUT_OF_MEMORY' "$SLURM_TIMEOUT"); then
  slurm::skip_when_busy "job $id ($state)"
  check::fail "job $id did not finish within ${SLURM_TIMEOUT}s: $state"
fi
check::expect_eq "job $id state" "$state" COMPLETED
check::expect_eq "job $id exit code" "$(slurm::job_field "$id" ExitCode)" 0:0
check::expect "the job wrote its output ($dir/batch.out)" grep -q '^done-marker$' "$dir/batch.out"
check::metric batch_turnaround "$(util::elapsed "$start")" s
check::finish "job $id completed and wrote its output"
