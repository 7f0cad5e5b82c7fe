#!/usr/bin/env bash
# Check: batch scripts with output files - a job writes a data file, a second job that depends on it
# (afterok) reads it and writes the result; both outputs land where their scripts said
# depends: check-slurm-controller
set -euo pipefail
# shellcheck source=suites/hpc-slurm/lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/../lib.sh"

# shellcheck disable=SC2016 # expanded by the job's shell
slurm::submit produce 'seq 1 1000 > numbers.txt; echo "produced $(wc -l < numbers.txt) numbers"'
first=$SLURM_JOB
# shellcheck disable=SC2016 # expanded by the job's shell
slurm::submit consume 'awk "{ s += \$1 } END { print \"sum\", s }" numbers.txt > sum.txt; cat sum.txt' --dependency="afterok:$first"
second=$SLURM_JOB
if ! state=$(slurm::wait_state "$second" 'COMPLETED|FAILED|CANCELLED|TIMEOUT|NODE_FAIL' $((SLURM_TIMEOUT * 2))); then
  slurm::skip_when_busy "job $second ($state)"
  check::fail "job $second did not finish within $((SLURM_TIMEOUT * 2))s: $state"
fi
check::expect_eq "job $first state" "$(slurm::job_field "$first" JobState)" COMPLETED
check::expect_eq "job $second (afterok:$first) state" "$state" COMPLETED
check::expect "job $first's output file says what it did" grep -qx 'produced 1000 numbers' "$SLURM_JOB_DIR/produce.out"
check::expect_eq "the result file of job $second" "$(cat "$SLURM_JOB_DIR/sum.txt" 2>/dev/null)" "sum 500500"
check::expect "job $second's output file has the result" grep -qx 'sum 500500' "$SLURM_JOB_DIR/consume.out"
cp "$SLURM_JOB_DIR"/*.out "$CC_ARTIFACT_DIR/" 2>/dev/null || true
check::finish "job $first produced a file, job $second (afterok) summed it to 500500; both output files written"
